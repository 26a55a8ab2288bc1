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

  it('with a dropout mask on the output layer: all-ones is no dropout, and the gradients match finite differences', () => {
    const B = 2;
    const { p, rng, ixs } = setup(3);
    const inputs = ixs(B * T);
    const targets = ixs(B * T);
    const h0 = Float64Array.from({ length: B * H }, () => rng.normal() * 0.3);
    const lossAt = (mask?: Float32Array, g = zerosLike(p)) => referenceEngine.lossAndGrads(p, inputs, targets, h0.slice(), g, B, T, mask);

    const plain = zerosLike(p);
    const ones = zerosLike(p);
    expect(lossAt(new Float32Array(B * T * H).fill(1), ones)).toBeCloseTo(lossAt(undefined, plain), 12);
    for (const name of PARAM_NAMES) for (let i = 0; i < ones[name].length; i++) expect(ones[name][i]).toBeCloseTo(plain[name][i], 12);

    const mask = Float32Array.from({ length: B * T * H }, () => (rng.next() < 0.4 ? 0 : 1 / 0.6));
    const g = zerosLike(p);
    const masked = lossAt(mask, g);
    expect(Math.abs(masked - lossAt())).toBeGreaterThan(1e-3); // the mask changes the loss
    const eps = 1e-6;
    for (const name of ['Why', 'Whh', 'Wxh', 'bh'] as const) {
      for (let i = 0; i < p[name].length; i += 3) {
        const keep = p[name][i];
        p[name][i] = keep + eps;
        const up = lossAt(mask);
        p[name][i] = keep - eps;
        const down = lossAt(mask);
        p[name][i] = keep;
        expect(g[name][i], `${name}[${i}]`).toBeCloseTo((up - down) / (2 * eps) / B, 6); // grads are the mean over streams
      }
    }
  });
});
