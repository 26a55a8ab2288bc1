import { logits, stepHidden } from '../rnn/forward.ts';
import type { Model } from '../rnn/model.ts';
import type { Params } from '../rnn/params.ts';
import { Rng } from '../rnn/rng.ts';
import { softmax } from '../rnn/softmax.ts';
import { startState } from '../rnn/start.ts';

export type AblationMode = 'zero' | 'mean';

/**
 * Where "mean" ablation takes each unit's value from: the average hidden state over a text the model
 * writes itself, from the warm start, at T = 1 with a fixed seed. It needs no training text, so it works
 * for any snapshot, and it is the distribution of states the model is in when it writes.
 */
export interface MeanStateSource {
  source: 'self-generated sample from the warm start';
  length: number;
  seed: number;
  temp: 1;
}

export const MEAN_SAMPLE_LENGTH = 2000;
export const MEAN_SAMPLE_SEED = 1;

const meanCache = new WeakMap<Model, Map<string, Float64Array>>();

/** mean_t h_t over the states visited while the model writes `length` characters from its warm start. */
export function meanHiddenState(model: Model, length = MEAN_SAMPLE_LENGTH, seed = MEAN_SAMPLE_SEED): Float64Array {
  const key = `${length}:${seed}`;
  let byKey = meanCache.get(model);
  if (!byKey) meanCache.set(model, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached.slice();

  // The same loop as sampleFrom, adding up the states it visits.
  const p = model.params;
  const rng = new Rng(seed);
  const mean = new Float64Array(p.H);
  let h: Float64Array = startState(model, 'warm');
  let next: Float64Array = new Float64Array(p.H);
  const y = new Float64Array(p.V);
  const probs = new Float64Array(p.V);
  for (let t = 0; t < length; t++) {
    const ix = rng.choice(softmax(logits(p, h, y), 1, probs));
    stepHidden(p, ix, h, next);
    [h, next] = [next, h];
    for (let j = 0; j < p.H; j++) mean[j] += h[j];
  }
  for (let j = 0; j < p.H; j++) mean[j] /= Math.max(1, length);
  byKey.set(key, mean.slice());
  return mean;
}

/**
 * The next-character distribution from hidden state h with some units replaced: by 0 ("zero"),
 * or by their mean activation ("mean"). Only the state that makes the prediction is changed,
 * which is the whole path from these units to this output.
 */
export function ablatedLogits(p: Params, h: Float64Array, units: readonly number[], mode: AblationMode, meanH: Float64Array): { y: Float64Array; probs: Float64Array } {
  const hx = h.slice();
  for (const j of units) hx[j] = mode === 'zero' ? 0 : meanH[j];
  const y = logits(p, hx);
  return { y, probs: softmax(y) };
}

/** `count` distinct units drawn at random (fixed seed) from those not in `exclude`: a control group. */
export function randomUnits(H: number, count: number, exclude: readonly number[], seed = 7): number[] {
  const pool: number[] = [];
  const skip = new Set(exclude);
  for (let j = 0; j < H; j++) if (!skip.has(j)) pool.push(j);
  const rng = new Rng(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const k = Math.floor(rng.next() * (i + 1));
    [pool[i], pool[k]] = [pool[k], pool[i]];
  }
  return pool.slice(0, Math.min(count, pool.length)).sort((a, b) => a - b);
}
