import { TEMP_MAX, TEMP_MIN } from '../rnn/softmax.ts';

/** The bounds every front end (slash commands, buttons, play) enforces; the worker checks them again. */
export const LIMITS = {
  promptMax: 1000,
  tempMin: TEMP_MIN,
  tempMax: TEMP_MAX,
  lengthMin: 20,
  lengthMax: 1500,
  roundTempsMin: 2,
  roundTempsMax: 4,
  /** The shortest round Discord is told about; ROUND_MIN_SECONDS may lower the bot's own check, for tests only. */
  roundSecondsMin: 15,
  roundSecondsMax: 600,
  roundSecondsDefault: 60,
  /** Discord allows 2000 characters per message. */
  messageMax: 2000,
} as const;

export const DEFAULTS = {
  temp: 0.8,
  length: 300,
} as const;

/** Round entries share one message, so each is shorter than a /bard reply. */
export function roundLength(channelLength: number, entries: number): number {
  const cap = entries <= 2 ? 400 : entries === 3 ? 280 : 200;
  return Math.max(LIMITS.lengthMin, Math.min(channelLength, cap));
}

/** Continue re-primes on the prompt and the text so far; beyond this many characters only the tail is kept. */
export const CONTEXT_MAX = 6000;
