import type { CooldownSettings } from '../config.ts';
import type { Store } from '../store/store.ts';
import { keys } from './state.ts';

export type CooldownVerdict = { ok: true } | { ok: false; scope: 'user' | 'channel'; retryAfterMs: number };

/**
 * Counts one job for the user and one for the channel (fixed windows in the store) and says whether
 * it may run. The built-in BullMQ limiter is global, so per-user and per-channel limits are ours.
 */
export async function takeCooldown(store: Store, s: CooldownSettings, userId: string, channelId: string): Promise<CooldownVerdict> {
  const [user, channel] = await Promise.all([
    s.userJobs > 0 ? store.hit(keys.userCooldown(userId), s.userWindowMs) : null,
    s.channelJobs > 0 ? store.hit(keys.channelCooldown(channelId), s.channelWindowMs) : null,
  ]);
  if (user && user.count > s.userJobs) return { ok: false, scope: 'user', retryAfterMs: user.resetMs };
  if (channel && channel.count > s.channelJobs) return { ok: false, scope: 'channel', retryAfterMs: channel.resetMs };
  return { ok: true };
}

/** "You're going fast: try again <t:…:R> (in 12 s)." Discord renders the timestamp in the reader's own time. */
export function cooldownMessage(v: { scope: 'user' | 'channel'; retryAfterMs: number }, now: number): string {
  const seconds = Math.max(1, Math.ceil(v.retryAfterMs / 1000));
  const at = Math.ceil((now + v.retryAfterMs) / 1000);
  const who = v.scope === 'user' ? 'You are asking faster than Bard can rhyme' : 'This channel is keeping Bard very busy';
  return `${who}: try again <t:${at}:R> (in ${seconds} s).`;
}
