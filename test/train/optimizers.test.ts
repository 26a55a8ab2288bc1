import { describe, expect, it } from 'vitest';
import { adagradUpdate } from '../../src/rnn/optim.ts';
import { cloneParams, initParams, zerosLike, type Params } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { Adagrad, Adam } from '../../src/train/optimizers.ts';

function randomParams(seed: number, H = 3, V = 4): Params {
  const rng = new Rng(seed);
  const p = initParams(H, V, () => rng.normal(), 1);
  p.bh = p.bh.map(() => rng.normal());
  p.by = p.by.map(() => rng.normal());
  return p;
}

describe('Adam', () => {
  it('follows the bias-corrected update for two steps', () => {
    const p = randomParams(1);
    const g1 = randomParams(2);
    const g2 = randomParams(3);
    const start = cloneParams(p);
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.99, 1e-8];
    const adam = new Adam(p, b1, b2, eps);
    adam.update(p, g1, lr);
    adam.update(p, g2, lr);
    for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const) {
      for (let i = 0; i < p[name].length; i++) {
        const a = g1[name][i];
        const b = g2[name][i];
        let theta = start[name][i];
        // step 1: m̂ = g1, v̂ = g1², so the step is lr · g1 / (|g1| + eps)
        theta -= (lr * a) / (Math.abs(a) + eps);
        const m = b1 * (1 - b1) * a + (1 - b1) * b;
        const v = b2 * (1 - b2) * a * a + (1 - b2) * b * b;
        theta -= (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
        expect(p[name][i]).toBeCloseTo(theta, 14);
      }
    }
  });

  it('first step moves every parameter by about lr, whatever the gradient scale (bias correction)', () => {
    const p = randomParams(4);
    const before = cloneParams(p);
    const g = randomParams(5);
    for (const a of [g.Wxh, g.Whh, g.Why, g.bh, g.by]) for (let i = 0; i < a.length; i++) a[i] *= 1e-3;
    new Adam(p).update(p, g, 0.05);
    for (let i = 0; i < p.Whh.length; i++) expect(Math.abs(p.Whh[i] - before.Whh[i])).toBeCloseTo(0.05, 3);
  });

  it('AdamW decays the weight matrices but not the biases', () => {
    const p = randomParams(6);
    const before = cloneParams(p);
    const adamw = new Adam(p, 0.9, 0.999, 1e-8, 0.1);
    expect(adamw.kind).toBe('adamw');
    adamw.update(p, zerosLike(p), 0.5); // zero gradient: only the decay acts
    for (let i = 0; i < p.Whh.length; i++) expect(p.Whh[i]).toBeCloseTo(before.Whh[i] * (1 - 0.5 * 0.1), 14);
    expect(Array.from(p.bh)).toEqual(Array.from(before.bh));
    expect(Array.from(p.by)).toEqual(Array.from(before.by));
  });

  it('its state round-trips: a fresh optimiser loaded with it continues identically', () => {
    const pa = randomParams(7);
    const a = new Adam(pa);
    a.update(pa, randomParams(8), 0.01);
    const pb = cloneParams(pa);
    const b = new Adam(pb);
    b.load(Object.fromEntries(Object.entries(a.state()).map(([k, v]) => [k, v.slice()])));
    const g = randomParams(9);
    a.update(pa, g, 0.01);
    b.update(pb, g, 0.01);
    expect(Array.from(pb.Whh)).toEqual(Array.from(pa.Whh));
    expect(b.state().t[0]).toBe(2);
  });
});

describe('Adagrad', () => {
  it('is min-char-rnn’s update, with its memory exposed as mWxh … mby', () => {
    const p = randomParams(10);
    const q = cloneParams(p);
    const mem = zerosLike(q);
    const opt = new Adagrad(p);
    for (const seed of [11, 12]) {
      const g = randomParams(seed);
      opt.update(p, g, 0.1);
      adagradUpdate(q, g, mem, 0.1);
    }
    expect(Array.from(p.Why)).toEqual(Array.from(q.Why));
    expect(Array.from(opt.state().mWhh)).toEqual(Array.from(mem.Whh));
  });
});
