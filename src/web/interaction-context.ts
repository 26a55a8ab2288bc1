/**
 * Discord's raw interaction JSON (as the HTTP endpoint receives it) → the platform-neutral contexts the
 * command handlers take, the same ones the gateway bot builds from discord.js objects. The first answer
 * becomes the HTTP response itself; anything said after it goes out as an ephemeral follow-up over REST.
 */
import type { REST } from '@discordjs/rest';
import { InteractionResponseType, InteractionType, MessageFlags, Routes, type APIInteraction } from 'discord-api-types/v10';
import type { RawOptions } from '../bard/options.ts';
import type { AutocompleteContext, ButtonContext, CommandContext, InteractionContext } from '../bot/context.ts';
import type { Logger } from '../log.ts';

/** What the endpoint sends back in the HTTP response: Discord's interaction response object. */
export type InteractionResponse = { type: InteractionResponseType; data?: Record<string, unknown> };

const NO_MENTIONS = { parse: [] as [] };
const MANAGE_CHANNELS = 1n << 4n;
const ADMINISTRATOR = 1n << 3n;
/** A follow-up sent right after an inline deferral can meet a 404 for a moment, until Discord has recorded it. */
const FOLLOW_UP_RETRY_MS = [100, 300, 900];

export function ephemeral(content: string): InteractionResponse {
  return { type: InteractionResponseType.ChannelMessageWithSource, data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS } };
}

export const DEFERRED: InteractionResponse = { type: InteractionResponseType.DeferredChannelMessageWithSource };

/** The first answer of one interaction: the HTTP response waits on `first`. */
export class Responder {
  private settle!: (r: InteractionResponse) => void;
  readonly first: Promise<InteractionResponse> = new Promise((resolve) => (this.settle = resolve));
  private answered = false;

  constructor(
    private readonly rest: REST,
    private readonly appId: string,
    private readonly token: string,
    private readonly log: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  get done(): boolean {
    return this.answered;
  }

  /** Answers in the HTTP response when it is still open (true), else does nothing (false). */
  answer(r: InteractionResponse): boolean {
    if (this.answered) return false;
    this.answered = true;
    this.settle(r);
    return true;
  }

  /** An ephemeral message: the response if it is still open, else a follow-up. */
  async say(content: string): Promise<void> {
    if (this.answer(ephemeral(content))) return;
    const body = { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.rest.post(Routes.webhook(this.appId, this.token), { body, auth: false });
        return;
      } catch (e) {
        if (attempt >= FOLLOW_UP_RETRY_MS.length || (e as { status?: number }).status !== 404) throw e;
        this.log.debug({ attempt: attempt + 1 }, 'follow-up met a 404 right after the response; retrying');
        await this.sleep(FOLLOW_UP_RETRY_MS[attempt]);
      }
    }
  }
}

function displayName(i: APIInteraction): { id: string; name: string } {
  const user = i.member?.user ?? i.user;
  const name = (i.member?.nick ?? user?.global_name ?? user?.username ?? '').slice(0, 100) || 'someone';
  return { id: user?.id ?? '0', name };
}

function canManage(i: APIInteraction): boolean {
  if (!i.guild_id || !i.member) return false;
  const perms = BigInt(i.member.permissions ?? '0');
  return (perms & MANAGE_CHANNELS) !== 0n || (perms & ADMINISTRATOR) !== 0n;
}

function base(i: APIInteraction, responder: Responder): InteractionContext {
  const user = displayName(i);
  return {
    id: i.id,
    token: i.token,
    user,
    channelId: i.channel?.id ?? (i as { channel_id?: string }).channel_id ?? `dm-${user.id}`,
    guildId: i.guild_id ?? null,
    canManageChannels: canManage(i),
    replyEphemeral: (content) => responder.say(content),
    async replyPublic(content) {
      const message = { type: InteractionResponseType.ChannelMessageWithSource, data: { content, allowed_mentions: NO_MENTIONS } };
      if (!responder.answer(message)) throw new Error('the interaction was answered already');
    },
    async defer() {
      if (!responder.answer(DEFERRED)) throw new Error('the interaction was answered already');
    },
  };
}

function rawOptions(data: readonly { name: string; value?: unknown }[]): RawOptions {
  const options: RawOptions = {};
  for (const o of data) {
    if (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean') options[o.name] = o.value;
  }
  return options;
}

/** A slash command's context, or null for any other kind of interaction. */
export function commandContextOf(i: APIInteraction, responder: Responder): CommandContext | null {
  if (i.type !== InteractionType.ApplicationCommand || i.data.type !== 1) return null;
  return { ...base(i, responder), command: i.data.name, options: rawOptions(i.data.options ?? []) };
}

/** An autocomplete interaction's context (its choices are the HTTP response), or null for any other kind. */
export function autocompleteContextOf(i: APIInteraction, responder: Responder): AutocompleteContext | null {
  if (i.type !== InteractionType.ApplicationCommandAutocomplete) return null;
  const options = (i.data.options ?? []) as { name: string; value?: unknown; focused?: boolean }[];
  const focused = options.find((o) => o.focused);
  return {
    id: i.id,
    command: i.data.name,
    focused: { name: focused?.name ?? '', value: String(focused?.value ?? '') },
    options: rawOptions(options),
    async respondAutocomplete(choices) {
      if (!responder.answer({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices } })) throw new Error('the interaction was answered already');
    },
  };
}

/** A button press's context, or null for any other kind of interaction. */
export function buttonContextOf(i: APIInteraction, responder: Responder): ButtonContext | null {
  if (i.type !== InteractionType.MessageComponent || i.data.component_type !== 2) return null;
  return { ...base(i, responder), customId: i.data.custom_id };
}
