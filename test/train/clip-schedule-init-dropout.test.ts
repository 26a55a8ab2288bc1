import { describe, expect, it } from 'vitest';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { clipElements, clipGlobalNorm, globalNorm } from '../../src/train/clip.ts';
import { initWhh, randomOrthogonal } from '../../src/train/init.ts';
import { fillDropoutMask } from '../../src/train/dropout.ts';
import { learningRate } from '../../src/train/schedule.ts';

describe('global-norm clipping', () => {
  const grads = () => {
    const rng = new Rng(1);
    return initParams(5, 7, () => rng.normal(), 3);
  };

  it('scales an oversized gradient to the limit and keeps its direction', () => {
    const g = grads();
    const before = g.Whh.slice();
    const norm = globalNorm(g);
    expect(norm).toBeGreaterThan(10);
    expect(clipGlobalNorm(g, 10)).toBeCloseTo(norm, 12);
    expect(globalNorm(g)).toBeCloseTo(10, 10);
    for (let i = 0; i < before.length; i++) expect(g.Whh[i]).toBeCloseTo((before[i] * 10) / norm, 12);
  });

  it('leaves a small gradient alone, and 0 means off', () => {
    const g = grads();
    const before = g.Why.slice();
    clipGlobalNorm(g, 1e6);
    clipGlobalNorm(g, 0);
    expect(Array.from(g.Why)).toEqual(Array.from(before));
  });

  it('element clipping bounds every entry', () => {
    const g = grads();
    clipElements(g, 1);
    for (const a of [g.Wxh, g.Whh, g.Why]) for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });
});

describe('learning-rate schedule', () => {
  const cfg = { lr: 1, schedule: 'cosine' as const, warmupSteps: 10, minLrRatio: 0.1 };

  it('warms up linearly, then follows a half cosine from lr to lr · minLrRatio', () => {
    expect(learningRate(cfg, 0, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(cfg, 4, 0)).toBeCloseTo(0.5, 12);
    expect(learningRate(cfg, 10, 0)).toBeCloseTo(1, 12);
    expect(learningRate(cfg, 50, 0.5)).toBeCloseTo(0.55, 12);
    expect(learningRate(cfg, 99, 1)).toBeCloseTo(0.1, 12);
    expect(learningRate({ ...cfg, schedule: 'linear' }, 50, 0.25)).toBeCloseTo(0.775, 12);
    expect(learningRate({ ...cfg, schedule: 'constant' }, 50, 0.9)).toBe(1);
  });
});

describe('Whh initialisation', () => {
  it('orthogonal: W Wᵀ = I', () => {
    const rng = new Rng(3);
    const H = 24;
    const Q = randomOrthogonal(H, () => rng.normal());
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < H; j++) {
        let dot = 0;
        for (let k = 0; k < H; k++) dot += Q[i * H + k] * Q[j * H + k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('identity-scaled: gain on the diagonal, zero elsewhere; small-random: tiny', () => {
    const rng = new Rng(4);
    const I = initWhh('identity-scaled', 4, 0.7, 0.01, () => rng.normal());
    expect(Array.from(I)).toEqual([0.7, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, 0.7]);
    const S = initWhh('small-random', 50, 1, 0.01, () => rng.normal());
    expect(Math.max(...S.map(Math.abs))).toBeLessThan(0.06);
  });
});

describe('fillDropoutMask', () => {
  it('drops a fraction p of the entries and scales the rest by 1/(1 − p); the seed decides which', () => {
    const a = new Float32Array(100_001); // odd: the last entry has no partner in its draw
    const b = new Float32Array(a.length);
    fillDropoutMask(a, 0.3, 7);
    fillDropoutMask(b, 0.3, 7);
    expect(b).toEqual(a);
    const dropped = a.filter((x) => x === 0).length / a.length;
    expect(dropped).toBeGreaterThan(0.29);
    expect(dropped).toBeLessThan(0.31);
    const kept = a.find((x) => x !== 0)!;
    expect(kept).toBeCloseTo(1 / 0.7, 3);
    expect(a.every((x) => x === 0 || x === kept)).toBe(true);
    expect(a.reduce((s, x) => s + x, 0) / a.length).toBeCloseTo(1, 1); // the expectation is kept
    fillDropoutMask(b, 0.3, 8);
    expect(b).not.toEqual(a);
    fillDropoutMask(b, 0, 8);
    expect(b.every((x) => x === 1)).toBe(true);
  });
});
