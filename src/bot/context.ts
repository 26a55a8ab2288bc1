/**
 * An interaction as the command handlers see it, whatever delivered it: discord.js in `npm run bot`,
 * Discord's raw JSON in `npm run web`, the terminal in `npm run play`. Handlers validate, enqueue, then
 * answer within Discord's 3 s (an ephemeral notice, or a deferral that a worker later edits); they never
 * run the model.
 */
import type { Logger } from 'pino';
import type { RawOptions } from '../bard/options.ts';
import type { Actor } from '../bard/state.ts';
import type { Config } from '../config.ts';
import type { ModelRegistry } from '../models/registry.ts';
import type { JobProducer } from '../queue/jobs.ts';
import type { Store } from '../store/store.ts';

export interface InteractionContext {
  /** The interaction id: the job id and the key of the result's state derive from it. */
  id: string;
  /** The interaction token a worker answers through (valid 15 minutes). */
  token: string;
  user: Actor;
  channelId: string;
  guildId: string | null;
  /** Whether the member may manage this channel (for /bard-config). */
  canManageChannels: boolean;
  /**
   * A second delivery taking over from one that died mid-way: its cooldown may have been counted already,
   * so it is not counted again (the enqueue itself is idempotent).
   */
  redelivered?: boolean;
  /** Answers right away with a message only this user sees. */
  replyEphemeral(content: string): Promise<void>;
  /** Answers right away with a message everyone in the channel sees (no model job behind it). */
  replyPublic(content: string): Promise<void>;
  /** Answers right away with a public "Bard is thinking…" that a worker edits later. */
  defer(): Promise<void>;
}

export interface CommandContext extends InteractionContext {
  command: string;
  options: RawOptions;
}

export interface ButtonContext extends InteractionContext {
  customId: string;
}

/** One autocomplete suggestion: `name` is shown (1–100 characters), `value` is what the option gets. */
export interface Choice {
  name: string;
  value: string;
}

/**
 * An autocomplete interaction (type 4): the user is typing an option. It must be answered with at most 25
 * choices within 3 s, and only so: no deferral, no message. Each front end answers in its own way (the gateway
 * with a callback of type 8, the HTTP front door in its response).
 */
export interface AutocompleteContext {
  id: string;
  command: string;
  /** The option being typed and what it holds so far. */
  focused: { name: string; value: string };
  options: RawOptions;
  respondAutocomplete(choices: Choice[]): Promise<void>;
}

export interface Services {
  store: Store;
  producer: JobProducer;
  /** The models this deployment serves (BARD_MODELS): names and cards for the options, hashes for the jobs. */
  models: ModelRegistry;
  settings: Pick<Config, 'cooldown' | 'roundMinSeconds' | 'stateTtlMs'>;
  log: Logger;
  now: () => number;
  /** A fresh seed per job, chosen by the bot so a re-run job makes the same text. */
  seed: () => number;
}
