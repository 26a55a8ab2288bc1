import { sampleStream } from '../kernels/fast-sampling.ts';
import { logits, prime, stepHidden } from './forward.ts';
import type { Model } from './model.ts';
import type { Params } from './params.ts';
import { Rng } from './rng.ts';
import { checkTemperature, softmax } from './softmax.ts';
import { startState, type InitMode } from './start.ts';

export interface CompleteOptions {
  prompt: string;
  temp?: number;
  length?: number;
  seed: number;
  init?: InitMode;
  /** Continue from this hidden state instead of the start state (the prompt is then read from it). */
  h?: Float64Array;
}

export interface Completion {
  /** The prompt as the model read it, after normalisation. */
  prompt: string;
  continuation: string;
  temp: number;
  seed: number;
  dropped: string[];
  /** The state after the last generated character, for "continue". */
  h: Float64Array;
}

export const LENGTH_MAX = 10_000;

/** A continuation length must be a whole number in [0, LENGTH_MAX]; throws a RangeError otherwise. */
export function checkLength(length: number): number {
  if (!Number.isInteger(length) || length < 0 || length > LENGTH_MAX) {
    throw new RangeError(`length must be a whole number between 0 and ${LENGTH_MAX}, got ${length}`);
  }
  return length;
}

/**
 * Primes the RNN on the prompt, then samples `length` characters:
 *   p = softmax((Why h + by) / T); ix ~ p; h = tanh(Wxh x_ix + Whh h + bh)
 * Each sampled character is fed exactly once (the seed report's "tthhee" came from feeding it twice).
 */
export function complete(model: Model, opts: CompleteOptions): Completion {
  const temp = checkTemperature(opts.temp ?? 1);
  const length = checkLength(opts.length ?? 300);
  const enc = model.encode(opts.prompt);
  const h0 = opts.h ? opts.h.slice() : startState(model, opts.init ?? 'warm');
  const rng = new Rng(opts.seed);
  // Fast path: prime and sample with the float32 kernels (the same arithmetic as a batched worker).
  const fast = sampleStream(model.params, h0, enc.ixs, length, temp, rng);
  if (fast) {
    const base = { prompt: enc.text, continuation: model.decode(fast), temp, seed: opts.seed, dropped: enc.dropped };
    return withExactState(base, model.params, h0, [...enc.ixs, ...fast]);
  }
  const h = prime(model.params, enc.ixs, h0);
  const out = sampleFrom(model, h, length, temp, rng);
  return { prompt: enc.text, continuation: model.decode(out.ixs), temp, seed: opts.seed, dropped: enc.dropped, h: out.h };
}

/**
 * Gives `obj` an `h` that is the exact (float64) state after reading `ixs` from `h0`, computed when first
 * read. Generation runs in float32 for speed, but the state handed back for "continue" is the reference
 * one, the same whether or not the kernels are built. (Read it before changing the parameters in place.)
 */
function withExactState<T extends object>(obj: T, p: Params, h0: Float64Array, ixs: number[]): T & { h: Float64Array } {
  let h: Float64Array | null = null;
  return Object.defineProperty(obj, 'h', {
    enumerable: true,
    get: () => (h ??= prime(p, ixs, h0)),
  }) as T & { h: Float64Array };
}

/** Samples n characters starting from hidden state h (not modified). */
export function sampleFrom(model: Model, h: Float64Array, n: number, temp: number, rng: Rng): { ixs: number[]; h: Float64Array } {
  const p = model.params;
  const fast = sampleStream(p, h, [], n, temp, rng);
  if (fast) return withExactState({ ixs: fast }, p, h.slice(), fast);
  let cur = h.slice();
  let next = new Float64Array(p.H);
  const y = new Float64Array(p.V);
  const probs = new Float64Array(p.V);
  const ixs: number[] = [];
  for (let t = 0; t < n; t++) {
    const ix = rng.choice(softmax(logits(p, cur, y), temp, probs));
    ixs.push(ix);
    stepHidden(p, ix, cur, next);
    [cur, next] = [next, cur];
  }
  return { ixs, h: cur };
}

/** The next-character distribution after reading `prompt` from the start state. */
export function nextProbs(model: Model, prompt: string, temp = 1, init: InitMode = 'warm'): { probs: Float64Array; dropped: string[] } {
  checkTemperature(temp);
  const enc = model.encode(prompt);
  const h = prime(model.params, enc.ixs, startState(model, init));
  return { probs: softmax(logits(model.params, h), temp), dropped: enc.dropped };
}
