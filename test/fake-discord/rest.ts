// The REST routes under /api/v10: gateway info, interaction callbacks, webhook (token) messages, channel messages,
// application-command registration. Each handler returns { status, body } or throws a DiscordReject.
import type { UploadedFile } from './body.ts';
import { DiscordReject, invalidFormBody, reject } from './errors.ts';
import type { MessageStore } from './messages.ts';
import { snowflake } from './snowflake.ts';
import type { InteractionState, RegisteredCommand, RouteName, StoredMessage } from './types.ts';
import { MessageFlag, commandErrors, singleCommandErrors } from './validate.ts';
import type { World } from './world.ts';

type Json = Record<string, any>;

export interface RestHost {
  readonly token: string;
  readonly appId: string;
  readonly world: World;
  readonly store: MessageStore;
  readonly interactions: Map<string, InteractionState>;
  readonly interactionsByToken: Map<string, InteractionState>;
  /** 'global' or a guild id -> commands. */
  readonly commandScopes: Map<string, RegisteredCommand[]>;
  readonly callbackDeadlineMs: number;
  readonly tokenTtlMs: number;
  /** GET /gateway/bot's `shards` and `session_start_limit.max_concurrency`. */
  readonly recommendedShards: number;
  readonly maxConcurrency: number;
  gatewayUrl(): string;
  messageJson(msg: StoredMessage): Json;
  now(): number;
}

export interface RestRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: any;
  files: UploadedFile[];
  time: number;
  params: Record<string, string>;
  /** Set by handlers that belong to an interaction. */
  interactionId?: string;
}

export interface RestAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  name: RouteName;
  re: RegExp;
  keys: string[];
  auth: boolean;
  handle: (host: RestHost, req: RestRequest) => RestAnswer;
}

const routes: Route[] = [];

function route(method: string, pattern: string, name: RouteName, auth: boolean, handle: Route['handle']): void {
  const keys: string[] = [];
  const re = new RegExp(
    '^' +
      pattern.replace(/[.@]/g, '\\$&').replace(/:(\w+)/g, (_m, k: string) => {
        keys.push(k);
        return '([^/]+)';
      }) +
      '$',
  );
  routes.push({ method, name, re, keys, auth, handle });
}

export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = m[i + 1]));
    return { route: r, params };
  }
  return null;
}

export function handle(host: RestHost, matched: { route: Route; params: Record<string, string> }, req: RestRequest): RestAnswer {
  if (matched.route.auth && req.headers.authorization !== `Bot ${host.token}`) throw reject.unauthorized();
  return matched.route.handle(host, req);
}

const ok = (body: unknown, status = 200): RestAnswer => ({ status, body });
const noContent = (): RestAnswer => ({ status: 204 });

// ---- gateway, user, application ----

route('GET', '/gateway/bot', 'getGatewayBot', true, (h) =>
  ok({ url: h.gatewayUrl(), shards: h.recommendedShards, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: h.maxConcurrency } }),
);
route('GET', '/gateway', 'getGateway', false, (h) => ok({ url: h.gatewayUrl() }));
route('GET', '/users/@me', 'getCurrentUser', true, (h) => ok(h.world.botUserJson()));
route('GET', '/applications/@me', 'getApplication', true, (h) =>
  ok({
    id: h.appId,
    name: h.world.bot.username,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    team: null,
    owner: h.world.userJson(h.world.owner),
    bot: h.world.userJson(h.world.bot),
    approximate_guild_count: 1,
  }),
);

// ---- interactions ----

route('POST', '/interactions/:interactionId/:token/callback', 'interactionCallback', false, (h, req) => {
  const ix = h.interactions.get(req.params.interactionId);
  if (!ix || ix.token !== req.params.token) throw reject.unknownInteraction();
  req.interactionId = ix.id;
  if (ix.ack) throw reject.alreadyAcknowledged();
  if (ix.expired || req.time - ix.createdAt > h.callbackDeadlineMs) {
    // Too late: Discord has already shown "The application did not respond" and invalidated the token.
    ix.expired = true;
    throw reject.unknownInteraction();
  }
  const body: Json = req.body ?? {};
  const data: Json = body.data ?? {};
  const isComponent = ix.type === 3;
  const isAutocomplete = ix.type === 4;
  // An autocomplete interaction takes only choices (8); nothing else takes them.
  if (isAutocomplete !== (body.type === 8)) throw invalidCallbackType(body.type);
  let message: StoredMessage | undefined;
  switch (body.type) {
    case 4: // CHANNEL_MESSAGE_WITH_SOURCE
      message = createOriginal(h, ix, data, req, false);
      ix.ack = 'reply';
      break;
    case 5: // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
      message = createOriginal(h, ix, { flags: Number(data.flags ?? 0) & MessageFlag.Ephemeral }, req, true);
      ix.ack = 'defer';
      ix.deferred = true;
      break;
    case 6: // DEFERRED_UPDATE_MESSAGE
      if (!isComponent) throw invalidCallbackType(6);
      ix.ack = 'deferUpdate';
      ix.deferred = true;
      ix.originalId = ix.sourceMessageId ?? null;
      break;
    case 7: {
      // UPDATE_MESSAGE
      if (!isComponent) throw invalidCallbackType(7);
      const source = ix.sourceMessageId ? h.store.byId.get(ix.sourceMessageId) : undefined;
      if (!source || source.deleted) throw reject.unknownMessage();
      message = h.store.edit(source, data, req.files, 'interactionCallback', req.time);
      ix.ack = 'update';
      ix.originalId = source.id;
      break;
    }
    case 9: // MODAL
      ix.ack = 'modal';
      ix.modal = data;
      break;
    case 8: {
      // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: at most 25 choices, names 1–100 characters, string values ≤ 100.
      const errs = autocompleteErrors(data.choices);
      if (errs.length > 0) throw invalidFormBody(errs);
      ix.ack = 'autocomplete';
      ix.choices = data.choices;
      break;
    }
    default:
      throw invalidCallbackType(body.type);
  }
  ix.ackAt = req.time;
  ix.callbacks += 1;
  if (req.query.with_response !== 'true') return noContent();
  return ok({
    interaction: {
      id: ix.id,
      type: ix.type,
      activity_instance_id: null,
      response_message_id: message?.id ?? null,
      response_message_loading: message?.loading ?? false,
      response_message_ephemeral: message?.ephemeral ?? false,
    },
    resource: { type: body.type, message: message ? h.messageJson(message) : undefined },
  });
});

function autocompleteErrors(choices: unknown): { path: (string | number)[]; code: string; message: string }[] {
  const at = ['data', 'choices'];
  if (!Array.isArray(choices)) return [{ path: at, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }];
  const errs: { path: (string | number)[]; code: string; message: string }[] = [];
  if (choices.length > 25) errs.push({ path: at, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
  choices.forEach((c: Json, i: number) => {
    const name = typeof c?.name === 'string' ? [...c.name].length : 0;
    if (name < 1 || name > 100) errs.push({ path: [...at, i, 'name'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
    if (typeof c?.value === 'string' ? [...c.value].length > 100 : typeof c?.value !== 'number') {
      errs.push({ path: [...at, i, 'value'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be a string of at most 100 characters or a number.' });
    }
  });
  return errs;
}

function invalidCallbackType(type: unknown): DiscordReject {
  return invalidFormBody([{ path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: `Interaction response type ${String(type)} is not valid here.` }]);
}

function createOriginal(h: RestHost, ix: InteractionState, data: Json, req: RestRequest, loading: boolean): StoredMessage {
  const msg = h.store.create({
    channelId: ix.channelId,
    guildId: ix.guildId,
    kind: 'original',
    interactionId: ix.id,
    body: data,
    files: req.files,
    via: 'interactionCallback',
    time: req.time,
    loading,
  });
  ix.originalId = msg.id;
  ix.ephemeral = msg.ephemeral;
  return msg;
}

/** The interaction behind a webhook URL; throws what Discord answers for a wrong app, a bad or an expired token. */
function interactionForWebhook(h: RestHost, req: RestRequest): InteractionState {
  if (req.params.appId !== h.appId) throw reject.unknownWebhook();
  const ix = h.interactionsByToken.get(req.params.token);
  if (!ix) throw reject.invalidWebhookToken();
  req.interactionId = ix.id;
  const age = req.time - ix.createdAt;
  if (!ix.ack && age > h.callbackDeadlineMs) ix.expired = true;
  if (ix.expired || age > h.tokenTtlMs) throw reject.invalidWebhookToken();
  // The webhook of an interaction exists only once the interaction has been acknowledged.
  if (!ix.ack) throw reject.unknownWebhook();
  return ix;
}

function webhookMessage(h: RestHost, ix: InteractionState, messageId: string): StoredMessage {
  const id = messageId === '@original' ? ix.originalId : messageId;
  if (!id || (id !== ix.originalId && !ix.followUpIds.includes(id))) throw reject.unknownMessage();
  const msg = h.store.byId.get(id);
  if (!msg || msg.deleted) throw reject.unknownMessage();
  return msg;
}

route('POST', '/webhooks/:appId/:token', 'followUp', false, (h, req) => {
  const ix = interactionForWebhook(h, req);
  const body: Json = req.body ?? {};
  const original = ix.originalId ? h.store.byId.get(ix.originalId) : undefined;
  let msg: StoredMessage;
  if (ix.ack === 'defer' && original?.loading && !original.deleted) {
    // Discord fills the deferred "thinking" message with the first follow-up (keeping the defer's ephemerality).
    msg = h.store.edit(original, body, req.files, 'followUp', req.time);
  } else {
    msg = h.store.create({
      channelId: ix.channelId,
      guildId: ix.guildId,
      kind: 'followup',
      interactionId: ix.id,
      body,
      files: req.files,
      via: 'followUp',
      time: req.time,
    });
    ix.followUpIds.push(msg.id);
  }
  return req.query.wait === 'true' ? ok(h.messageJson(msg)) : noContent();
});

route('GET', '/webhooks/:appId/:token/messages/:messageId', 'webhookGetMessage', false, (h, req) => {
  const ix = interactionForWebhook(h, req);
  return ok(h.messageJson(webhookMessage(h, ix, req.params.messageId)));
});

route('PATCH', '/webhooks/:appId/:token/messages/:messageId', 'webhookEditMessage', false, (h, req) => {
  const ix = interactionForWebhook(h, req);
  const msg = webhookMessage(h, ix, req.params.messageId);
  return ok(h.messageJson(h.store.edit(msg, req.body ?? {}, req.files, 'webhookEditMessage', req.time)));
});

route('DELETE', '/webhooks/:appId/:token/messages/:messageId', 'webhookDeleteMessage', false, (h, req) => {
  const ix = interactionForWebhook(h, req);
  webhookMessage(h, ix, req.params.messageId).deleted = true;
  return noContent();
});

// ---- channels ----

function channel(h: RestHost, id: string) {
  const c = h.world.channels.get(id);
  if (!c) throw reject.unknownChannel();
  return c;
}

function channelMessage(h: RestHost, channelId: string, messageId: string): StoredMessage {
  channel(h, channelId);
  const msg = h.store.byId.get(messageId);
  if (!msg || msg.deleted || msg.ephemeral || msg.channelId !== channelId) throw reject.unknownMessage();
  return msg;
}

route('GET', '/channels/:channelId', 'getChannel', true, (h, req) => ok(h.world.channelJson(channel(h, req.params.channelId))));

route('GET', '/channels/:channelId/messages', 'listChannelMessages', true, (h, req) => {
  channel(h, req.params.channelId);
  const limit = Math.min(100, Number(req.query.limit ?? 50));
  const list = [...h.store.byId.values()]
    .filter((m) => m.channelId === req.params.channelId && !m.deleted && !m.ephemeral && !m.loading)
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
    .slice(0, limit);
  return ok(list.map((m) => h.messageJson(m)));
});

route('POST', '/channels/:channelId/messages', 'createChannelMessage', true, (h, req) => {
  const { guildId } = channel(h, req.params.channelId);
  const body: Json = { ...(req.body ?? {}) };
  // Ephemeral exists only for interaction responses; a channel message ignores the bit.
  if (typeof body.flags === 'number') body.flags &= ~MessageFlag.Ephemeral;
  const msg = h.store.create({
    channelId: req.params.channelId,
    guildId,
    kind: 'channel',
    body,
    files: req.files,
    via: 'createChannelMessage',
    time: req.time,
  });
  return ok(h.messageJson(msg));
});

route('GET', '/channels/:channelId/messages/:messageId', 'getChannelMessage', true, (h, req) =>
  ok(h.messageJson(channelMessage(h, req.params.channelId, req.params.messageId))),
);

route('PATCH', '/channels/:channelId/messages/:messageId', 'editChannelMessage', true, (h, req) => {
  const msg = channelMessage(h, req.params.channelId, req.params.messageId);
  if (msg.authorId !== h.world.bot.id) throw reject.notAuthor();
  return ok(h.messageJson(h.store.edit(msg, req.body ?? {}, req.files, 'editChannelMessage', req.time)));
});

route('DELETE', '/channels/:channelId/messages/:messageId', 'deleteChannelMessage', true, (h, req) => {
  channelMessage(h, req.params.channelId, req.params.messageId).deleted = true;
  return noContent();
});

// ---- application commands (global and guild scope) ----

function scope(h: RestHost, req: RestRequest): string {
  if (req.params.appId !== h.appId) {
    throw new DiscordReject(403, { code: 20012, message: 'You are not authorized to perform this action on this application' });
  }
  if (req.params.guildId === undefined) return 'global';
  if (!h.world.guilds.has(req.params.guildId)) throw reject.missingAccess();
  return req.params.guildId;
}

function toCommand(h: RestHost, def: Json, scopeKey: string, id: string): RegisteredCommand {
  const cmd: RegisteredCommand = {
    ...def,
    id,
    application_id: h.appId,
    version: snowflake(),
    type: def.type ?? 1,
    name: def.name,
    description: def.description ?? '',
    default_member_permissions: def.default_member_permissions ?? null,
    nsfw: def.nsfw ?? false,
  };
  if (def.options !== undefined) cmd.options = def.options;
  if (scopeKey !== 'global') cmd.guild_id = scopeKey;
  return cmd;
}

function commandsIn(h: RestHost, key: string): RegisteredCommand[] {
  let list = h.commandScopes.get(key);
  if (!list) h.commandScopes.set(key, (list = []));
  return list;
}

for (const prefix of ['/applications/:appId', '/applications/:appId/guilds/:guildId']) {
  route('GET', `${prefix}/commands`, 'getCommands', true, (h, req) => ok(commandsIn(h, scope(h, req))));

  route('PUT', `${prefix}/commands`, 'putCommands', true, (h, req) => {
    const key = scope(h, req);
    const errs = commandErrors(req.body);
    if (errs.length > 0) throw invalidFormBody(errs);
    const old = commandsIn(h, key);
    // A bulk overwrite keeps the id of a command whose name and type stay.
    const next = (req.body as Json[]).map((def) => {
      const same = old.find((c) => c.name === def.name && c.type === (def.type ?? 1));
      return toCommand(h, def, key, same?.id ?? snowflake());
    });
    h.commandScopes.set(key, next);
    return ok(next);
  });

  route('POST', `${prefix}/commands`, 'createCommand', true, (h, req) => {
    const key = scope(h, req);
    const errs = singleCommandErrors(req.body, []);
    if (errs.length > 0) throw invalidFormBody(errs);
    const list = commandsIn(h, key);
    const i = list.findIndex((c) => c.name === req.body.name && c.type === (req.body.type ?? 1));
    const cmd = toCommand(h, req.body, key, i >= 0 ? list[i].id : snowflake());
    if (i >= 0) list[i] = cmd;
    else list.push(cmd);
    return ok(cmd, i >= 0 ? 200 : 201);
  });

  route('GET', `${prefix}/commands/:commandId`, 'getCommand', true, (h, req) => {
    const cmd = commandsIn(h, scope(h, req)).find((c) => c.id === req.params.commandId);
    if (!cmd) throw reject.unknownCommand();
    return ok(cmd);
  });

  route('PATCH', `${prefix}/commands/:commandId`, 'editCommand', true, (h, req) => {
    const key = scope(h, req);
    const list = commandsIn(h, key);
    const i = list.findIndex((c) => c.id === req.params.commandId);
    if (i < 0) throw reject.unknownCommand();
    const merged = { ...list[i], ...(req.body ?? {}) };
    const errs = singleCommandErrors(merged, []);
    if (errs.length > 0) throw invalidFormBody(errs);
    list[i] = toCommand(h, merged, key, list[i].id);
    return ok(list[i]);
  });

  route('DELETE', `${prefix}/commands/:commandId`, 'deleteCommand', true, (h, req) => {
    const list = commandsIn(h, scope(h, req));
    const i = list.findIndex((c) => c.id === req.params.commandId);
    if (i < 0) throw reject.unknownCommand();
    list.splice(i, 1);
    return noContent();
  });
}
