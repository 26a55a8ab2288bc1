import { InvalidArgumentError, Option } from 'commander';
import { LENGTH_MAX } from '../rnn/generate.ts';
import { TEMP_MAX, TEMP_MIN } from '../rnn/softmax.ts';

// Options shared by several `bard` commands. Each parser rejects a bad value with a one-line reason,
// which commander turns into a usage error (exit 2).

export const SEED_MAX = 2 ** 32 - 1;

function parseNumber(raw: string): number {
  const s = raw.trim();
  const x = s === '' ? NaN : Number(s);
  if (!Number.isFinite(x)) throw new InvalidArgumentError(`${JSON.stringify(raw)} is not a number.`);
  return x;
}

export function parseWhole(raw: string, min: number, max: number, what: string): number {
  const x = parseNumber(raw);
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new InvalidArgumentError(`${what[0].toUpperCase() + what.slice(1)} must be a whole number from ${min} to ${max}, got ${raw}.`);
  }
  return x;
}

export function parseTemp(raw: string): number {
  const T = parseNumber(raw);
  if (T < TEMP_MIN || T > TEMP_MAX) {
    throw new InvalidArgumentError(`The temperature must lie between ${TEMP_MIN} and ${TEMP_MAX}, got ${raw}.`);
  }
  return T;
}

export const tempOption = () =>
  new Option('--temp <T>', `sampling temperature in [${TEMP_MIN}, ${TEMP_MAX}]: p ∝ exp(y/T), low is safe and repetitive, high is wild`)
    .argParser(parseTemp)
    .default(1);

export const lengthOption = (def: number) =>
  new Option('--length <N>', `number of characters to generate, 0 to ${LENGTH_MAX}`)
    .argParser((raw: string) => parseWhole(raw, 0, LENGTH_MAX, 'the length'))
    .default(def);

export const seedOption = () =>
  new Option('--seed <N>', `random seed, 0 to ${SEED_MAX}; the same seed gives the same text (default: a random seed, printed so the run can be repeated)`)
    .argParser((raw: string) => parseWhole(raw, 0, SEED_MAX, 'the seed'));

export const snapshotOption = () =>
  new Option('--snapshot <path>', 'model snapshot (.npz) to load (default: snapshots/bard.npz in this checkout)');

export const initOption = () =>
  new Option('--init <mode>', "start state the text is read from: 'warm' (a state the model knows, avoids the zero-state trap) or 'zero' (raw min-char-rnn, h = 0)")
    .choices(['warm', 'zero'])
    .default('warm');

export const jsonOption = (keys: string) => new Option('--json', `print the result as one JSON object on the last stdout line: ${keys}`);

/** Options every sampling command takes, as commander hands them to the action. */
export interface SamplingOpts {
  temp: number;
  length: number;
  seed?: number;
  snapshot?: string;
  init: 'warm' | 'zero';
  json?: boolean;
}
