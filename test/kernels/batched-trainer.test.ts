import { describe, expect, it } from 'vitest';
import { createBatchedTrainer } from '../../src/kernels/batched-trainer.ts';
import { lossFun } from '../../src/rnn/loss.ts';
import { PARAM_NAMES, zerosLike } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { referenceEngine } from '../../src/train/batch-loss.ts';
import { maxAbs, maxAbsDiff, randomParams } from './helpers.ts';

function problem(H: number, V: number, B: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const p = randomParams(H, V, seed, 0.2);
  const idx = () => Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.next() * V)));
  return { p, inputs: idx(), targets: idx(), hprev: Float64Array.from({ length: B * H }, () => rng.normal() * 0.5) };
}

describe('batched float32 trainer vs min-char-rnn lossFun (float64), stream by stream', () => {
  it.each([
    [1, 2, 1, 1], // the smallest case: one stream, one step, H and V not multiples of 4
    [13, 7, 5, 9],
    [24, 11, 4, 25],
    [37, 65, 6, 12],
    [260, 9, 2, 3], // H past one 256-long chunk of the GEMM
  ])('H=%i V=%i B=%i T=%i: loss, gradients and final states agree to float32 precision', (H, V, B, T) => {
    const { p, inputs, targets, hprev } = problem(H, V, B, T, H * 31 + V);
    const r = createBatchedTrainer(H, V, B, T).lossAndGrads(p, inputs, targets, hprev);

    const sum = zerosLike(p);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const ref = lossFun(p, inputs[b], targets[b], hprev.slice(b * H, (b + 1) * H));
      loss += ref.loss;
      for (const name of PARAM_NAMES) for (let i = 0; i < sum[name].length; i++) sum[name][i] += ref.grads[name][i];
      expect(maxAbsDiff(r.h.subarray(b * H, (b + 1) * H), ref.h)).toBeLessThan(5e-6); // h is O(1): float32 over H terms
    }
    expect(Math.abs(r.loss - loss) / loss).toBeLessThan(1e-5);
    for (const name of PARAM_NAMES) {
      // relative to the gradient's scale: float32 over T·B terms
      expect(maxAbsDiff(r.grads[name], sum[name]) / maxAbs(sum[name]), name).toBeLessThan(1e-4);
      expect(r.grads[name]).toBeInstanceOf(Float32Array);
      expect(r.grads[name].length).toBe(p[name].length);
    }
  });

  it('takes flat Int32Array batches (stream b, step t at b*T + t) as well as nested arrays', () => {
    const H = 9, V = 6, B = 3, T = 4;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 2);
    const trainer = createBatchedTrainer(H, V, B, T);
    const nested = trainer.lossAndGrads(p, inputs, targets, hprev);
    const flat = trainer.lossAndGrads(p, Int32Array.from(inputs.flat()), Int32Array.from(targets.flat()), Float32Array.from(hprev));
    expect(flat.loss).toBe(nested.loss);
    expect(flat.grads.Whh).toEqual(nested.grads.Whh);
    expect(flat.h).toEqual(nested.h);
  });

  it('threads: 2 gives the same states and, up to float32 summation order, the same loss and gradients', async () => {
    const H = 20, V = 9, B = 5, T = 7;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 4);
    const one = createBatchedTrainer(H, V, B, T).lossAndGrads(p, inputs, targets, hprev);
    const parallel = createBatchedTrainer(H, V, B, T, { threads: 2 });
    try {
      for (let round = 0; round < 2; round++) {
        const two = parallel.lossAndGrads(p, inputs, targets, hprev);
        expect(two.h).toEqual(one.h);
        expect(Math.abs(two.loss - one.loss) / one.loss).toBeLessThan(1e-6);
        for (const name of PARAM_NAMES) expect(maxAbsDiff(two.grads[name], one.grads[name]) / maxAbs(one.grads[name]), name).toBeLessThan(1e-5);
      }
      expect(() => parallel.lossAndGrads(p, inputs, [[0]], hprev)).toThrow(/5 sequences of 7/);
      expect(() => parallel.lossAndGrads(p, inputs.map((s, b) => (b === 4 ? s.map(() => V) : s)), targets, hprev)).toThrow(/inputs\[4\]\[0\] = 9/);
    } finally {
      await parallel.close();
    }
  });

  it('with a dropout mask matches the float64 reference with the same mask, on one thread and on two', async () => {
    const H = 20, V = 9, B = 4, T = 6;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 5);
    const rng = new Rng(8);
    const mask = Float32Array.from({ length: B * T * H }, () => (rng.next() < 0.3 ? 0 : 1 / 0.7));
    const ref = zerosLike(p);
    const refLoss = referenceEngine.lossAndGrads(p, Int32Array.from(inputs.flat()), Int32Array.from(targets.flat()), hprev.slice(), ref, B, T, mask);
    const parallel = createBatchedTrainer(H, V, B, T, { threads: 2 });
    try {
      for (const trainer of [createBatchedTrainer(H, V, B, T), parallel]) {
        const r = trainer.lossAndGrads(p, inputs, targets, hprev, mask);
        expect(Math.abs(r.loss - refLoss) / refLoss).toBeLessThan(1e-5);
        // the reference averages over streams, the kernel sums
        for (const name of PARAM_NAMES) expect(maxAbsDiff(r.grads[name].map((x) => x / B), ref[name]) / maxAbs(ref[name]), name).toBeLessThan(1e-4);
        const plain = trainer.lossAndGrads(p, inputs, targets, hprev);
        expect(Math.abs(plain.loss - r.loss)).toBeGreaterThan(1e-3); // the mask is not ignored, nor kept for the next call
        expect(plain.h).toEqual(r.h); // the recurrence is never dropped
      }
      expect(() => parallel.lossAndGrads(p, inputs, targets, hprev, mask.subarray(1))).toThrow(/mask has/);
    } finally {
      await parallel.close();
    }
  });

  it('rejects batches of the wrong shape and indices outside the vocabulary', () => {
    const H = 5, V = 4, B = 2, T = 3;
    const { p, inputs, targets, hprev } = problem(H, V, B, T, 3);
    const trainer = createBatchedTrainer(H, V, B, T);
    expect(() => trainer.lossAndGrads(p, inputs.slice(1), targets, hprev)).toThrow(/2 sequences of 3/);
    expect(() => trainer.lossAndGrads(p, [[0, 1], [0, 1, 2]], targets, hprev)).toThrow(/inputs\[0\] has 2/);
    expect(() => trainer.lossAndGrads(p, inputs, [[0, 1, 4], [0, 1, 2]], hprev)).toThrow(/targets\[0\]\[2\] = 4/);
    expect(() => trainer.lossAndGrads(p, inputs, targets, hprev.subarray(1))).toThrow(/hprev has 9/);
    expect(() => trainer.lossAndGrads({ ...p, H: 6 }, inputs, targets, hprev)).toThrow(/H=6/);
  });
});
