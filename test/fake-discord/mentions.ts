// Who a message would ping, by Discord's rules for content + allowed_mentions (absent = parse everything).

export interface Pings {
  users: string[];
  roles: string[];
  everyone: boolean;
}

export function pingsOf(content: string, allowedMentions: unknown): Pings {
  const am = (typeof allowedMentions === 'object' && allowedMentions !== null ? allowedMentions : null) as {
    parse?: string[];
    users?: string[];
    roles?: string[];
  } | null;
  const parse = am ? (am.parse ?? []) : ['users', 'roles', 'everyone'];
  const userIds = [...content.matchAll(/<@!?(\d{1,20})>/g)].map((m) => m[1]);
  const roleIds = [...content.matchAll(/<@&(\d{1,20})>/g)].map((m) => m[1]);
  const pick = (ids: string[], kind: 'users' | 'roles') =>
    [...new Set(ids.filter((id) => parse.includes(kind) || (am?.[kind] ?? []).includes(id)))];
  return {
    users: pick(userIds, 'users'),
    roles: pick(roleIds, 'roles'),
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(content),
  };
}

export function pingsAnyone(p: Pings): boolean {
  return p.everyone || p.users.length > 0 || p.roles.length > 0;
}
