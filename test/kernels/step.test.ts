import { describe, expect, it } from 'vitest';
import { BatchSampler } from '../../src/kernels/batch-sampler.ts';
import { RnnStepKernel } from '../../src/kernels/step.ts';
import { logits, stepHidden } from '../../src/rnn/forward.ts';
import { complete } from '../../src/rnn/generate.ts';
import { Model } from '../../src/rnn/model.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { softmax } from '../../src/rnn/softmax.ts';
import { startState } from '../../src/rnn/start.ts';
import { maxAbsDiff, randomParams } from './helpers.ts';

const H = 250;
const V = 65;
const p = randomParams(H, V, 11);

describe('float32 step kernel vs the float64 reference', () => {
  it('one step from the same state: h within 2e-6 and the sampling distribution within 1e-5 at T = 0.5, 1, 2', () => {
    const k = new RnnStepKernel(p, 1);
    const rng = new Rng(3);
    let h: Float64Array = Float64Array.from({ length: H }, () => rng.normal() * 0.3);
    let next: Float64Array = new Float64Array(H);
    let worstH = 0;
    let worstP = 0;
    for (let t = 0; t < 60; t++) {
      const ix = Math.floor(rng.next() * V);
      k.setState(0, h);
      stepHidden(p, ix, h, next);
      [h, next] = [next, h];
      k.step([ix], 1);
      worstH = Math.max(worstH, maxAbsDiff(k.getState(0), h));
      k.computeLogits(1);
      for (const T of [0.5, 1, 2]) worstP = Math.max(worstP, maxAbsDiff(softmax(k.logitsOf(0), T), softmax(logits(p, h), T)));
    }
    expect(worstH).toBeLessThan(2e-6);
    expect(worstP).toBeLessThan(1e-5);
  });

  it('stays on the float64 trajectory over 200 steps of a contractive model', () => {
    const q = randomParams(H, V, 12, 0.04); // spectral radius of Whh below 1, as in a trained model's usual regime
    const k = new RnnStepKernel(q, 1);
    const rng = new Rng(4);
    let h: Float64Array = new Float64Array(H);
    let next: Float64Array = new Float64Array(H);
    k.setState(0, h);
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const ix = Math.floor(rng.next() * V);
      stepHidden(q, ix, h, next);
      [h, next] = [next, h];
      k.step([ix], 1);
      worst = Math.max(worst, maxAbsDiff(k.getState(0), h));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('draws the index Rng.choice(softmax(y / T)) draws, except within 1e-6 of a cumulative boundary', () => {
    const n = 64;
    const k = new RnnStepKernel(p, n);
    const rng = new Rng(8);
    for (let row = 0; row < n; row++) k.setState(row, Float64Array.from({ length: H }, () => rng.normal() * 0.5));
    k.computeLogits(n);
    let compared = 0;
    for (const T of [0.05, 0.3, 1, 3]) {
      for (let trial = 0; trial < 20; trial++) {
        for (let row = 0; row < n; row++) {
          k.invT[row] = 1 / T;
          k.uniforms[row] = rng.next();
        }
        k.draw(n);
        for (let row = 0; row < n; row++) {
          const u = k.uniforms[row];
          const probs = softmax(k.logitsOf(row), T);
          let acc = 0;
          let nearEdge = false;
          for (const q of probs) {
            acc += q;
            if (Math.abs(acc - u) < 1e-6) nearEdge = true;
          }
          if (nearEdge) continue;
          const uniform = { next: () => u };
          expect(k.draws[row]).toBe(Rng.prototype.choice.call(uniform as unknown as Rng, probs));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(4 * 20 * n * 0.99);
  });

  it('rejects indices outside the vocabulary and rows outside the batch', () => {
    const k = new RnnStepKernel(p, 2);
    expect(() => k.step([V], 1)).toThrow(/outside the vocabulary/);
    expect(() => k.step([0, 1, 2], 3)).toThrow(/outside 0..2/);
    expect(() => k.setState(2, new Float64Array(H))).toThrow(/row 2/);
  });
});

describe('batched == alone', () => {
  it('a row stepped in a batch has exactly the bits it has alone, whatever its neighbours and position', () => {
    const B = 13;
    const rng = new Rng(5);
    const starts = Array.from({ length: B }, () => Float64Array.from({ length: H }, () => rng.normal() * 0.3));
    const inputs = Array.from({ length: 20 }, () => Array.from({ length: B }, () => Math.floor(rng.next() * V)));
    const batch = new RnnStepKernel(p, B);
    starts.forEach((h, b) => batch.setState(b, h));
    for (const ixs of inputs) batch.step(ixs, B);
    batch.computeLogits(B);
    const alone = new RnnStepKernel(p, 1);
    for (let b = 0; b < B; b++) {
      alone.setState(0, starts[b]);
      for (const ixs of inputs) alone.step([ixs[b]], 1);
      alone.computeLogits(1);
      expect(batch.getState(b)).toEqual(alone.getState(0));
      expect(batch.logitsOf(b)).toEqual(alone.logitsOf(0));
    }
  });

  it('a step after computeLogits (the fused route) gives the bits of a step without it', () => {
    const rng = new Rng(6);
    const fused = new RnnStepKernel(p, 3);
    const plain = new RnnStepKernel(p, 3);
    for (let row = 0; row < 3; row++) {
      const h = Float64Array.from({ length: H }, () => rng.normal() * 0.3);
      fused.setState(row, h);
      plain.setState(row, h);
    }
    for (let t = 0; t < 30; t++) {
      const ixs = [0, 1, 2].map(() => Math.floor(rng.next() * V));
      fused.computeLogits(3);
      fused.step(ixs, 3);
      plain.step(ixs, 3);
    }
    for (let row = 0; row < 3; row++) expect(fused.getState(row)).toEqual(plain.getState(row));
  });

  it('continuous batching: streams that join and leave at different ticks get the text they get alone', () => {
    const rng = new Rng(9);
    const specs = Array.from({ length: 11 }, (_, i) => ({
      h0: Float64Array.from({ length: H }, () => rng.normal() * 0.3),
      prompt: Array.from({ length: (i * 7) % 23 }, () => Math.floor(rng.next() * V)),
      length: 5 + ((i * 13) % 40),
      temp: [0.5, 1, 1.5][i % 3],
      seed: 100 + i,
    }));
    const alone = specs.map((s) => {
      const one = new BatchSampler(p, 1);
      one.add({ ...s, rng: new Rng(s.seed) });
      return one.drain()[0];
    });
    // A batch of 4 slots: streams wait for a free slot, so they join at different ticks.
    const batch = new BatchSampler(p, 4);
    const ids = new Map<number, number>();
    const results = new Map<number, { ixs: number[]; h32: Float64Array }>();
    let next = 0;
    while (results.size < specs.length) {
      while (next < specs.length && batch.size < batch.capacity) {
        ids.set(batch.add({ ...specs[next], rng: new Rng(specs[next].seed) }), next);
        next++;
      }
      for (const d of batch.tick()) results.set(ids.get(d.id)!, d);
    }
    specs.forEach((_, i) => {
      expect(results.get(i)!.ixs).toEqual(alone[i].ixs);
      expect(results.get(i)!.h32).toEqual(alone[i].h32);
    });
  });

  it('a cancelled stream leaves, and the others still get their own text', () => {
    const spec = (seed: number) => ({ h0: new Float64Array(H), prompt: [1, 2, 3], length: 40, temp: 1, rng: new Rng(seed) });
    const alone = new BatchSampler(p, 1);
    alone.add(spec(2));
    const expected = alone.drain()[0].ixs;
    const batch = new BatchSampler(p, 3);
    const a = batch.add(spec(1));
    const b = batch.add(spec(2));
    for (let t = 0; t < 10; t++) expect(batch.tick()).toEqual([]);
    expect(batch.cancel(a)).toBe(true);
    expect(batch.cancel(a)).toBe(false);
    const done = batch.drain();
    expect(done.map((d) => d.id)).toEqual([b]);
    expect(done[0].ixs).toEqual(expected);
  });
});

describe('generation through complete() on the fast path', () => {
  const chars = Array.from({ length: V }, (_, i) => String.fromCharCode(33 + i));
  const model = new Model(p, chars);

  it('is deterministic for a seed and is exactly a batch-of-one stream of the batch sampler', () => {
    const opts = { prompt: 'ABCDEFG', temp: 0.9, length: 150, seed: 77 };
    const a = complete(model, opts);
    expect(complete(model, opts).continuation).toBe(a.continuation);
    expect(a.continuation).toHaveLength(150);
    const s = new BatchSampler(p, 3);
    s.add({ h0: startState(model, 'warm'), prompt: [1, 2], length: 30, temp: 1, rng: new Rng(1) }); // a neighbour
    const id = s.add({ h0: startState(model, 'warm'), prompt: model.encode('ABCDEFG').ixs, length: 150, temp: 0.9, rng: new Rng(77) });
    const mine = s.drain().find((d) => d.id === id)!;
    expect(model.decode(mine.ixs)).toBe(a.continuation);
  });

  it('samples from the float64 distribution: character frequencies match it', () => {
    // One step from a fixed state, many seeds: the empirical distribution of the first character
    // against the float64 probabilities (a float32 or sampling bug shows up as a large deviation).
    const h0 = startState(model, 'zero');
    const probs = softmax(logits(p, h0), 1);
    const counts = new Float64Array(V);
    const n = 4000;
    for (let seed = 0; seed < n; seed++) counts[model.charToIx.get(complete(model, { prompt: '', temp: 1, length: 1, seed, init: 'zero' }).continuation)!]++;
    let chi2 = 0;
    for (let c = 0; c < V; c++) if (probs[c] * n > 5) chi2 += (counts[c] - probs[c] * n) ** 2 / (probs[c] * n);
    expect(chi2).toBeLessThan(120); // ~V degrees of freedom; 120 is far in the tail
  });
});
