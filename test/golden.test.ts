import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { logits, prime } from '../src/rnn/forward.ts';
import { lossFun } from '../src/rnn/loss.ts';
import type { Model } from '../src/rnn/model.ts';
import { PARAM_NAMES } from '../src/rnn/params.ts';
import { softmax } from '../src/rnn/softmax.ts';
import { loadSnapshot } from '../src/snapshot/index.ts';
import type { NpyArray } from '../src/snapshot/npy.ts';
import { readNpz } from '../src/snapshot/npz.ts';
import { CSC321_SNAPSHOT, SHARED_DATA } from './snapshot/fixtures.ts';

/**
 * Equivalence with numpy: ../shared/data/golden/csc321-golden.{npz,json} hold outputs of the CSC321
 * snapshot computed by min-char-rnn's numpy code in float64 (see its keys: p_ctx{i}_T{T}, h_ctx{i},
 * h_after_first1000, grad_{Wxh,…}, grad_hlast).
 */
interface Golden {
  vocab: string;
  hidden_size: number;
  contexts: { key: number; text: string; top5_T1: [string, number][] }[];
  loss_first1000_sum_nats: number;
  grad_window_loss_sum_nats: number;
  grad_window: { inputs: string; targets: string };
}

const GOLDEN_DIR = join(SHARED_DATA, 'golden');
let model: Model;
let golden: Golden;
let arrays: Map<string, NpyArray>;
let text: string;

function goldenArray(name: string): Float64Array {
  const a = arrays.get(name);
  if (!a || a.kind !== 'f8') throw new Error(`golden array ${name} missing or not float64`);
  return a.data;
}

/** Indices of `s` in the model's vocabulary, with no normalisation (these texts are all in it). */
function ixsOf(s: string): number[] {
  return Array.from(s, (c) => {
    const ix = model.charToIx.get(c);
    if (ix === undefined) throw new Error(`${JSON.stringify(c)} is not in the vocabulary`);
    return ix;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(() => {
  model = loadSnapshot(CSC321_SNAPSHOT);
  golden = JSON.parse(readFileSync(join(GOLDEN_DIR, 'csc321-golden.json'), 'utf8'));
  arrays = readNpz(readFileSync(join(GOLDEN_DIR, 'csc321-golden.npz')));
  text = readFileSync(join(SHARED_DATA, 'shakespeare_train.txt'), 'utf8');
});

describe('golden equivalence with numpy (CSC321 snapshot, float64)', () => {
  it('describes the same model', () => {
    expect(model.vocab).toBe(golden.vocab);
    expect(model.H).toBe(golden.hidden_size);
    expect(golden.contexts).toHaveLength(5);
  });

  it('next-char probabilities after each context at T = 1, 0.5, 2 from h = 0 (abs 1e-9), and the hidden states', () => {
    for (const ctx of golden.contexts) {
      const h = prime(model.params, ixsOf(ctx.text), new Float64Array(model.H));
      expect(maxAbsDiff(h, goldenArray(`h_ctx${ctx.key}`)), `h_ctx${ctx.key}`).toBeLessThan(1e-9);
      const y = logits(model.params, h);
      for (const T of ['1.0', '0.5', '2.0']) {
        const p = softmax(y, Number(T));
        expect(maxAbsDiff(p, goldenArray(`p_ctx${ctx.key}_T${T}`)), `p_ctx${ctx.key}_T${T}`).toBeLessThan(1e-9);
      }
      // the JSON's top 5 at T = 1, in order
      const p1 = softmax(y, 1);
      const top5 = [...p1.keys()].sort((a, b) => p1[b] - p1[a]).slice(0, 5);
      expect(top5.map((i) => model.chars[i])).toEqual(ctx.top5_T1.map(([c]) => c));
    }
  });

  it('summed loss over the first 1000 characters of shakespeare_train.txt from h = 0 (1e-6 relative)', () => {
    const ixs = ixsOf(text.slice(0, 1001));
    const { loss, h } = lossFun(model.params, ixs.slice(0, 1000), ixs.slice(1, 1001), new Float64Array(model.H));
    expect(Math.abs(loss - golden.loss_first1000_sum_nats) / golden.loss_first1000_sum_nats).toBeLessThan(1e-6);
    expect(maxAbsDiff(h, goldenArray('h_after_first1000'))).toBeLessThan(1e-9);
  });

  it("min-char-rnn's gradients for the window text[0:25] → text[1:26] (1e-8 relative)", () => {
    expect(golden.grad_window).toEqual({ inputs: text.slice(0, 25), targets: text.slice(1, 26) });
    const ixs = ixsOf(text.slice(0, 26));
    const { loss, grads, h } = lossFun(model.params, ixs.slice(0, 25), ixs.slice(1, 26), new Float64Array(model.H));
    expect(Math.abs(loss - golden.grad_window_loss_sum_nats) / golden.grad_window_loss_sum_nats).toBeLessThan(1e-8);
    expect(maxAbsDiff(h, goldenArray('grad_hlast'))).toBeLessThan(1e-12);
    for (const name of PARAM_NAMES) {
      const ours = grads[name];
      const theirs = goldenArray(`grad_${name}`);
      expect(ours.length, name).toBe(theirs.length);
      let scale = 0;
      for (const v of theirs) scale = Math.max(scale, Math.abs(v));
      // Relative to each element, plus an absolute floor far below the array's scale: some elements
      // are the result of cancellation (e.g. 1e-19 in an array whose largest entry is 3), and those
      // carry ~1e-16 of summation-order noise (numpy's BLAS vs our loops) that no relative test survives.
      const atol = 1e-12 * scale;
      for (let i = 0; i < ours.length; i++) {
        if (!(Math.abs(ours[i] - theirs[i]) <= 1e-8 * Math.abs(theirs[i]) + atol)) {
          expect.fail(`grad ${name}[${i}] = ${ours[i]}, numpy has ${theirs[i]}`);
        }
      }
      expect(maxAbsDiff(ours, theirs) / scale, name).toBeLessThan(1e-8);
    }
  });
});
