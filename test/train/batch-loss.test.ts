import { describe, expect, it } from 'vitest';
import { lossFun } from '../../src/rnn/loss.ts';
import { initParams, PARAM_NAMES, zerosLike } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { referenceEngine } from '../../src/train/batch-loss.ts';

const H = 6;
const V = 5;
const T = 7;

function setup(seed: number) {
  const rng = new Rng(seed);
  const p = initParams(H, V, () => rng.normal(), 0.5);
  const ixs = (n: number) => Int32Array.from({ length: n }, () => Math.floor(rng.next() * V));
  return { p, rng, ixs };
}

describe('batched BPTT (float64 reference)', () => {
  it('with one stream is min-char-rnn’s lossFun: same loss, gradients and final state', () => {
    const { p, rng, ixs } = setup(1);
    const inputs = ixs(T);
    const targets = ixs(T);
    const h = Float64Array.from({ length: H }, () => rng.normal() * 0.3);
    const ref = lossFun(p, inputs, targets, h);
    const g = zerosLike(p);
    const loss = referenceEngine.lossAndGrads(p, inputs, targets, h, g, 1, T);
    expect(loss).toBeCloseTo(ref.loss, 12);
    for (const name of PARAM_NAMES) for (let i = 0; i < g[name].length; i++) expect(g[name][i]).toBeCloseTo(ref.grads[name][i], 12);
    for (let j = 0; j < H; j++) expect(h[j]).toBeCloseTo(ref.h[j], 14);
  });

  it('with B streams sums the losses and averages the gradients of B independent lossFun calls', () => {
    const B = 3;
    const { p, rng, ixs } = setup(2);
    const inputs = ixs(B * T);
    const targets = ixs(B * T);
    const h = Float64Array.from({ length: B * H }, () => rng.normal() * 0.3);
    const refs = [0, 1, 2].map((b) => lossFun(p, inputs.subarray(b * T, (b + 1) * T), targets.subarray(b * T, (b + 1) * T), h.slice(b * H, (b + 1) * H)));
    const g = zerosLike(p);
    const loss = referenceEngine.lossAndGrads(p, inputs, targets, h, g, B, T);
    expect(loss).toBeCloseTo(refs.reduce((s, r) => s + r.loss, 0), 11);
    for (const name of PARAM_NAMES) {
      for (let i = 0; i < g[name].length; i++) expect(g[name][i]).toBeCloseTo(refs.reduce((s, r) => s + r.grads[name][i], 0) / B, 12);
    }
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) expect(h[b * H + j]).toBeCloseTo(refs[b].h[j], 14);
  });
});
