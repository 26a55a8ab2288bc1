import { describe, expect, it } from 'vitest';
import { createBatchedTrainer } from '../../src/kernels/batched-trainer.ts';
import { stepHidden } from '../../src/rnn/forward.ts';
import { PARAM_NAMES, zerosLike, type Params } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { referenceEngine } from '../../src/train/batch-loss.ts';
import { normStabiliser } from '../../src/train/norm-stabiliser.ts';
import { maxAbs, maxAbsDiff, randomParams } from '../kernels/helpers.ts';

/** h_0 (the carried state) then h_1..h_T of each stream, as the reference lays them out: [t·B·H + b·H + j]. */
function states(p: Params, inputs: Int32Array, hprev: Float64Array, B: number, T: number): Float64Array {
  const { H } = p;
  const hs = new Float64Array((T + 1) * B * H);
  hs.set(hprev);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const out = new Float64Array(H);
      stepHidden(p, inputs[b * T + t], hs.slice(t * B * H + b * H, t * B * H + (b + 1) * H), out);
      hs.set(out, (t + 1) * B * H + b * H);
    }
  }
  return hs;
}

function problem(H: number, V: number, B: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const p = randomParams(H, V, seed, 0.3);
  const idx = () => Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
  return { p, inputs: idx(), targets: idx(), hprev: Float64Array.from({ length: B * H }, () => rng.normal() * 0.5) };
}

describe('the norm stabiliser', () => {
  it('returns β Σ (‖h_t‖ − ‖h_t−1‖)² and its exact gradient, on padded rows too', () => {
    const B = 2, T = 5, H = 3, row = 4, step = B * row;
    const rng = new Rng(3);
    const hs = Float64Array.from({ length: (T + 1) * step }, (_, i) => (i % row < H ? rng.normal() : 0));
    const beta = 0.7;
    const dh = new Float64Array(T * step).fill(NaN);
    const penalty = normStabiliser(beta, hs, 0, dh, 0, { B, T, H, step, row });

    let expected = 0;
    const norm = (t: number, b: number) => Math.hypot(...hs.slice(t * step + b * row, t * step + b * row + H));
    for (let b = 0; b < B; b++) for (let t = 1; t <= T; t++) expected += beta * (norm(t, b) - norm(t - 1, b)) ** 2;
    expect(penalty).toBeCloseTo(expected, 12);

    // central differences on every state entry of h_1..h_T (h_0 is carried in: a constant)
    const eps = 1e-6;
    for (let t = 1; t <= T; t++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const at = t * step + b * row + j;
          const x = hs[at];
          hs[at] = x + eps;
          const up = normStabiliser(beta, hs, 0, new Float64Array(T * step), 0, { B, T, H, step, row });
          hs[at] = x - eps;
          const down = normStabiliser(beta, hs, 0, new Float64Array(T * step), 0, { B, T, H, step, row });
          hs[at] = x;
          expect(dh[(t - 1) * step + b * row + j]).toBeCloseTo((up - down) / (2 * eps), 6);
        }
        // the padding between rows is left alone
        expect(Number.isNaN(dh[(t - 1) * step + b * row + H])).toBe(true);
      }
    }
  });

  it('a state of size zero gets no gradient rather than NaN', () => {
    const hs = new Float64Array(3 * 2);
    hs.set([0.5, 0.5], 4);
    const dh = new Float64Array(2 * 2);
    normStabiliser(1, hs, 0, dh, 0, { B: 1, T: 2, H: 2, step: 2, row: 2 });
    expect([...dh.subarray(0, 2)]).toEqual([0, 0]);
    expect(dh[2]).toBeGreaterThan(0);
  });

  it('the float64 reference engine descends cross-entropy + the stabiliser (finite differences on every parameter)', () => {
    const H = 6, V = 5, B = 2, T = 7, beta = 2;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 11);
    const grads = zerosLike(p);
    referenceEngine.lossAndGrads(p, inputs, targets, hprev.slice(), grads, B, T, undefined, beta);
    const plain = zerosLike(p);
    referenceEngine.lossAndGrads(p, inputs, targets, hprev.slice(), plain, B, T);
    expect(maxAbsDiff(grads.Whh, plain.Whh)).toBeGreaterThan(1e-3); // β is not ignored

    // the objective whose mean over streams the engine's gradient is
    const objective = () => {
      const ce = referenceEngine.lossAndGrads(p, inputs, targets, hprev.slice(), zerosLike(p), B, T);
      const hs = states(p, inputs, hprev, B, T);
      return (ce + normStabiliser(beta, hs, 0, new Float64Array(T * B * H), 0, { B, T, H, step: B * H, row: H })) / B;
    };
    const eps = 1e-6;
    for (const name of PARAM_NAMES) {
      const w = p[name];
      for (let i = 0; i < w.length; i += 3) {
        const x = w[i];
        w[i] = x + eps;
        const up = objective();
        w[i] = x - eps;
        const down = objective();
        w[i] = x;
        expect(grads[name][i], `${name}[${i}]`).toBeCloseTo((up - down) / (2 * eps), 5);
      }
    }
  });

  it('the float32 kernels match the reference with it, on one thread and on two, and report its value', async () => {
    const H = 20, V = 9, B = 4, T = 6, beta = 3;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 5);
    const rng = new Rng(8);
    const mask = Float32Array.from({ length: B * T * H }, () => (rng.next() < 0.3 ? 0 : 1 / 0.7));
    const ref = zerosLike(p);
    referenceEngine.lossAndGrads(p, inputs, targets, hprev.slice(), ref, B, T, mask, beta);
    const penalty = normStabiliser(beta, states(p, inputs, hprev, B, T), 0, new Float64Array(T * B * H), 0, { B, T, H, step: B * H, row: H });
    const parallel = createBatchedTrainer(H, V, B, T, { threads: 2 });
    try {
      for (const trainer of [createBatchedTrainer(H, V, B, T), parallel]) {
        const r = trainer.lossAndGrads(p, inputs, targets, hprev, mask, beta);
        expect(Math.abs(r.penalty - penalty) / penalty).toBeLessThan(1e-5);
        for (const name of PARAM_NAMES) expect(maxAbsDiff(r.grads[name].map((x) => x / B), ref[name]) / maxAbs(ref[name]), name).toBeLessThan(1e-4);
        // without β the next call is plain again (the stabiliser's gradient is not kept in the buffers)
        const plain = trainer.lossAndGrads(p, inputs, targets, hprev, mask);
        expect(plain.penalty).toBe(0);
        expect(plain.loss).toBe(r.loss);
        expect(maxAbsDiff(plain.grads.Whh, r.grads.Whh)).toBeGreaterThan(1e-3);
      }
    } finally {
      await parallel.close();
    }
  });
});
