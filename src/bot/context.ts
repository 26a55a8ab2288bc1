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

export interface Services {
  store: Store;
  producer: JobProducer;
  settings: Pick<Config, 'cooldown' | 'roundMinSeconds' | 'stateTtlMs'>;
  log: Logger;
  now: () => number;
  /** A fresh seed per job, chosen by the bot so a re-run job makes the same text. */
  seed: () => number;
}
