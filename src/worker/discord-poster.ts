/**
 * Posts replies to Discord over REST through the interaction's webhook (no gateway needed):
 * PATCH /webhooks/{app}/{token}/messages/@original edits the deferred reply, POST /webhooks/{app}/{token}
 * adds a follow-up.
 *
 * When Discord misbehaves:
 * - 429: @discordjs/rest waits out `retry_after` and tries again (Discord's own pacing, honoured as given);
 * - 5xx or a broken connection: tried again here after a short, growing pause (RETRY_DELAYS_MS), then
 *   DiscordUnavailableError, which the job queue retries later with its own backoff: a bounded number
 *   of requests in all, never a storm;
 * - a deferral not landed yet: the front door enqueues before it defers, so a fast job can reach Discord
 *   first, and Discord answers 404 until the interaction is acknowledged; the first edit is tried again
 *   until the acknowledgement deadline (3 s from the interaction) has passed;
 * - a dead interaction token (401/404 from the webhook, or an interaction older than its 15 minutes):
 *   the reply goes to the channel as a plain bot message instead; if that is refused too, a logged give-up;
 * - any other 4xx: DiscordRejectedError, not retried (the same request would be refused again).
 *
 * Idempotent under at-least-once delivery: a re-run job makes the same reply (same seed), and each part
 * of a reply is recorded in the store once posted, so a re-run skips it. A worker that died between
 * sending a part and recording it leaves a `posting` mark: the re-run then asks Discord whether the
 * deferred reply is still "thinking" before filling it. (Follow-ups cannot be looked up that way, so
 * in that narrow window one follow-up can repeat.)
 */
import { DiscordAPIError, type REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { Reply } from '../bard/replies.ts';
import { keys, type Target } from '../bard/state.ts';
import { renderDiscord, type DiscordMessage } from '../format/discord.ts';
import type { Store } from '../store/store.ts';
import type { Poster } from './jobs.ts';

/** Pauses before the 2nd and 3rd try of a request that met a 5xx or a network error (±25 % jitter). */
export const RETRY_DELAYS_MS = [250, 1000];

/**
 * Discord's 3 s to acknowledge an interaction, plus a margin for the acknowledgement to land: a 404 on the first
 * edit before then may be a deferral still on its way, after it the deferral is never coming.
 */
export const DEFERRAL_WAIT_MS = 4000;

/** Pauses between tries of a first edit that met a 404 while the deferral may still land. */
const DEFERRAL_RETRY_MS = [25, 50, 100, 200, 400, 800];

/** An interaction token lasts 15 minutes; past this age it is not worth trying. */
export const TOKEN_LIFETIME_MS = 15 * 60_000 - 10_000;

const DISCORD_EPOCH = 1420070400000n;

/** A Discord id: interaction and channel ids from a job are checked against it before use. */
const SNOWFLAKE = /^\d{15,21}$/;

/** Discord's LOADING message flag: a deferred reply not yet filled in. */
const LOADING = 1 << 7;

/** Replies whose first part fills the deferred "thinking…" reply (a round's result edits a filled one). */
const FILLS_DEFERRAL = new Set<Reply['kind']>(['completion', 'round', 'notice', 'explanation']);

/** Discord is failing (5xx, connection trouble) after our retries: worth trying again later. */
export class DiscordUnavailableError extends Error {
  override name = 'DiscordUnavailableError';
}

/** Discord refused the request (4xx other than a dead token): trying again would be refused again. */
export class DiscordRejectedError extends Error {
  override name = 'DiscordRejectedError';
}

/** Posting records outlive the token by at least this much: a late re-run that posts to the channel stays deduplicated. */
const RECORD_MIN_TTL_MS = 60_000;

export interface PosterOptions {
  log: Logger;
  /**
   * The client for the interaction webhooks (default: `rest`). Those requests carry the interaction's token
   * instead of the bot's and are not bound by the bot's global rate limit, so this client can go without
   * @discordjs/rest's client-side 50 requests/s limiter, which would otherwise queue a burst's replies.
   */
  webhookRest?: REST;
  retryDelaysMs?: number[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** When the interaction was created, from its snowflake id (null for ids that are not snowflakes). */
export function interactionTime(id: string): number | null {
  if (!SNOWFLAKE.test(id)) return null;
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export class DiscordPoster implements Poster {
  private readonly log: Logger;
  private readonly webhook: REST;
  private readonly delays: number[];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly rest: REST,
    private readonly appId: string,
    private readonly store: Store,
    private readonly opts: PosterOptions,
  ) {
    this.log = opts.log;
    this.webhook = opts.webhookRest ?? rest;
    this.delays = opts.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async show(target: Target, reply: Reply): Promise<void> {
    const messages = renderDiscord(reply);
    const created = interactionTime(target.interactionId);
    let viaChannel = created !== null && this.now() - created > TOKEN_LIFETIME_MS;
    if (viaChannel) this.log.warn({ interaction: target.interactionId, kind: reply.kind }, 'interaction token expired by age; posting to the channel instead');
    // The records only guard re-runs, and a re-run can edit the reply only while the token lives: they go with it.
    const recordTtl = Math.max(RECORD_MIN_TTL_MS, (created ?? this.now()) + 15 * 60_000 - this.now());
    for (let i = 0; i < messages.length; i++) {
      const key = keys.posted(target.interactionId, reply.kind, i);
      // The posting mark goes down before `posted`, so a fresh mark means nothing was sent yet: a first run
      // (the usual case) costs one store round trip here; only a re-run asks whether the part was posted.
      const uncertain = !(await this.store.setIfAbsent(keys.posting(target.interactionId, reply.kind, i), '1', recordTtl));
      if (uncertain && (await this.store.get(key)) !== null) continue;
      if (uncertain && !viaChannel && i === 0 && FILLS_DEFERRAL.has(reply.kind) && (await this.originalFilled(target))) {
        this.log.info({ interaction: target.interactionId, kind: reply.kind }, 'reply already posted by an earlier run');
        await this.store.set(key, '1', recordTtl);
        continue;
      }
      if (!viaChannel) {
        try {
          if (i === 0) await this.editOriginal(target, messages[i]);
          else await this.send(() => this.webhook.post(Routes.webhook(this.appId, target.token), webhookRequest(messages[i])));
        } catch (e) {
          if (!isDeadToken(e)) throw e;
          const { status, code } = e as DiscordAPIError;
          this.log.warn({ interaction: target.interactionId, kind: reply.kind, status, code }, 'interaction token dead; posting to the channel instead');
          viaChannel = true;
        }
      }
      if (viaChannel && !(await this.postToChannel(target, reply.kind, messages[i]))) return;
      await this.store.set(key, '1', recordTtl);
    }
  }

  /** Edits @original, waiting out a deferral that has not landed yet (a 404 within DEFERRAL_WAIT_MS of the interaction). */
  private async editOriginal(target: Target, m: DiscordMessage): Promise<void> {
    const created = interactionTime(target.interactionId) ?? this.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(() => this.webhook.patch(Routes.webhookMessage(this.appId, target.token, '@original'), webhookRequest(m)));
      } catch (e) {
        const waited = this.now() - created;
        if (!(e instanceof DiscordAPIError && e.status === 404) || waited >= DEFERRAL_WAIT_MS) throw e;
        const pause = Math.min(DEFERRAL_RETRY_MS[Math.min(attempt, DEFERRAL_RETRY_MS.length - 1)], DEFERRAL_WAIT_MS - waited);
        this.log.info({ interaction: target.interactionId, attempt: attempt + 1, retryInMs: pause }, 'deferral not landed yet; retrying the first edit');
        await this.sleep(pause);
      }
    }
  }

  /** Whether the deferred reply has been filled in already (false when Discord cannot say). */
  private async originalFilled(target: Target): Promise<boolean> {
    try {
      const m = (await this.webhook.get(Routes.webhookMessage(this.appId, target.token, '@original'), { auth: false })) as { flags?: number };
      return ((m.flags ?? 0) & LOADING) === 0;
    } catch {
      return false;
    }
  }

  /** A plain bot message in the interaction's channel. False (logged) when that is impossible too. */
  private async postToChannel(target: Target, kind: Reply['kind'], m: DiscordMessage): Promise<boolean> {
    const giveUp = (why: string, extra: Record<string, unknown> = {}) => {
      this.log.error({ interaction: target.interactionId, kind, channel: target.channelId, ...extra }, `gave up posting: ${why}`);
      return false;
    };
    if (!target.channelId || !SNOWFLAKE.test(target.channelId)) return giveUp('the token is dead and the job names no channel');
    try {
      await this.send(() => this.rest.post(Routes.channelMessages(target.channelId!), channelRequest(m)));
      return true;
    } catch (e) {
      if (e instanceof DiscordAPIError || e instanceof DiscordRejectedError) return giveUp('the channel refused the message too', { err: (e as Error).message });
      throw e;
    }
  }

  /** One request with the retry policy above. Dead tokens come back as the DiscordAPIError itself. */
  private async send(request: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await request();
        return;
      } catch (e) {
        if (e instanceof DiscordAPIError) {
          if (isDeadToken(e)) throw e;
          throw new DiscordRejectedError(`Discord refused the message: ${e.status} ${e.message}`, { cause: e });
        }
        // After a 401 on a bot-authorised route @discordjs/rest forgets the token: nothing to retry with.
        if (e instanceof Error && /Expected token to be set/.test(e.message)) throw new DiscordRejectedError('the bot token was rejected earlier', { cause: e });
        if (attempt >= this.delays.length) throw new DiscordUnavailableError(`Discord is unavailable: ${(e as Error).message}`, { cause: e });
        const pause = this.delays[attempt] * (0.75 + Math.random() * 0.5);
        this.log.warn({ attempt: attempt + 1, retryInMs: Math.round(pause), err: (e as Error).message }, 'Discord request failed; retrying');
        await this.sleep(pause);
      }
    }
  }
}

function isDeadToken(e: unknown): boolean {
  return e instanceof DiscordAPIError && (e.status === 401 || e.status === 404);
}

function body(m: DiscordMessage): Record<string, unknown> {
  const b: Record<string, unknown> = { content: m.content, components: m.components, allowed_mentions: m.allowed_mentions };
  if (m.files?.length) b.attachments = m.files.map((f, id) => ({ id, filename: f.name }));
  return b;
}

function files(m: DiscordMessage) {
  return m.files?.length ? { files: m.files.map((f, i) => ({ name: f.name, data: f.data, contentType: f.contentType, key: `files[${i}]` })) } : {};
}

/** Webhook routes are authorised by the interaction token in the path, not the bot token. */
function webhookRequest(m: DiscordMessage) {
  return { body: body(m), auth: false, ...files(m) };
}

function channelRequest(m: DiscordMessage) {
  return { body: body(m), ...files(m) };
}
