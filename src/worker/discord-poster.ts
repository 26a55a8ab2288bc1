/**
 * Posts replies to Discord over REST through the interaction's webhook (no gateway needed):
 * PATCH /webhooks/{app}/{token}/messages/@original edits the deferred reply, POST /webhooks/{app}/{token}
 * adds a follow-up. @discordjs/rest handles 429s (retry_after) and retries 5xx a bounded number of times.
 *
 * Idempotent under at-least-once delivery: a re-run job makes the same reply (same seed), editing
 * @original again changes nothing, and each follow-up is recorded in the store once posted, so a
 * re-run skips it. (A crash between a follow-up's POST and its record can still repeat that one
 * follow-up: there is no way to ask Discord whether a webhook message was already sent.)
 */
import type { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type { Reply } from '../bard/replies.ts';
import { keys, type Target } from '../bard/state.ts';
import { renderDiscord, type DiscordMessage } from '../format/discord.ts';
import type { Store } from '../store/store.ts';
import type { Poster } from './jobs.ts';

export class DiscordPoster implements Poster {
  constructor(
    private readonly rest: REST,
    private readonly appId: string,
    private readonly store: Store,
    /** How long the follow-up records are kept (longer than an interaction token lives). */
    private readonly recordTtlMs: number,
  ) {}

  async show(target: Target, reply: Reply): Promise<void> {
    const messages = renderDiscord(reply);
    await this.rest.patch(Routes.webhookMessage(this.appId, target.token, '@original'), request(messages[0]));
    for (let i = 1; i < messages.length; i++) {
      const key = keys.posted(target.interactionId, i);
      if ((await this.store.get(key)) !== null) continue;
      await this.rest.post(Routes.webhook(this.appId, target.token), request(messages[i]));
      await this.store.set(key, '1', this.recordTtlMs);
    }
  }
}

function request(m: DiscordMessage) {
  const body: Record<string, unknown> = { content: m.content, components: m.components, allowed_mentions: m.allowed_mentions };
  if (!m.files?.length) return { body, auth: false };
  body.attachments = m.files.map((f, id) => ({ id, filename: f.name }));
  return { body, auth: false, files: m.files.map((f, i) => ({ name: f.name, data: f.data, contentType: f.contentType, key: `files[${i}]` })) };
}
