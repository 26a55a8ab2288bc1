import { afterEach, describe, expect, it } from 'vitest';
import { nativeElementwise } from '../../src/kernels/native.ts';
import { cloneParams, PARAM_NAMES, zerosLike, type Params } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { updateAverage } from '../../src/train/average.ts';
import { clipElements, clipGlobalNorm } from '../../src/train/clip.ts';
import { makeConfig } from '../../src/train/config.ts';
import { fillDropoutMask } from '../../src/train/dropout.ts';
import { Adam } from '../../src/train/optimizers.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { WeightDrop } from '../../src/train/weight-drop.ts';
import { makeCorpus } from '../../src/train/data.ts';
import { kernelEngine } from '../../src/train/engines.ts';
import { randomParams } from './helpers.ts';

/** Runs `f` with the JS loops (BARD_ELEMENTWISE=js) and again with the native ones, returning both results. */
function bothWays<T>(f: () => T): { js: T; native: T } {
  process.env.BARD_ELEMENTWISE = 'js';
  const js = f();
  delete process.env.BARD_ELEMENTWISE;
  return { js, native: f() };
}

function expectSameBits(a: Params, b: Params): void {
  for (const name of PARAM_NAMES) expect(Buffer.from(b[name].buffer, b[name].byteOffset, b[name].byteLength).equals(Buffer.from(a[name].buffer, a[name].byteOffset, a[name].byteLength)), name).toBe(true);
}

function gradients(H: number, V: number, seed: number, scale: number): Params {
  const rng = new Rng(seed);
  const g = zerosLike(randomParams(H, V, 1));
  for (const name of PARAM_NAMES) for (let i = 0; i < g[name].length; i++) g[name][i] = rng.normal() * scale;
  return g;
}

describe('the native elementwise loops of a training step give the JS loops’ bits', () => {
  afterEach(() => {
    delete process.env.BARD_ELEMENTWISE;
  });

  it('the addon has them on this machine', () => {
    expect(nativeElementwise()).not.toBeNull();
    process.env.BARD_ELEMENTWISE = 'js';
    expect(nativeElementwise()).toBeNull();
  });

  it('Adam (with and without weight decay), over several steps', () => {
    for (const weightDecay of [0, 0.01]) {
      const { js, native } = bothWays(() => {
        const p = randomParams(37, 11, 3);
        const adam = new Adam(p, 0.9, 0.999, 1e-8, weightDecay);
        for (let step = 0; step < 5; step++) adam.update(p, gradients(37, 11, step, 0.3), 0.002);
        return { p, state: adam.state() };
      });
      expectSameBits(js.p, native.p);
      for (const k of Object.keys(js.state)) expect(native.state[k], k).toEqual(js.state[k]);
    }
  });

  it('the moving average, clipping by norm and by element (NaN and ±∞ included), and weight drop', () => {
    const { js, native } = bothWays(() => {
      const avg = randomParams(20, 7, 4);
      updateAverage(avg, randomParams(20, 7, 5), 0.999, 3);
      const g = gradients(20, 7, 6, 4);
      g.Whh[0] = NaN;
      g.Whh[1] = Infinity;
      g.Why[2] = -Infinity;
      g.bh[0] = -0;
      clipElements(g, 5);
      const big = gradients(20, 7, 7, 3);
      const norm = clipGlobalNorm(big, 5);
      const small = gradients(20, 7, 8, 1e-3);
      const smallNorm = clipGlobalNorm(small, 5);
      const wd = new WeightDrop(20, 0.25);
      const dropped = wd.apply(randomParams(20, 7, 9), 1234);
      const masked = gradients(20, 7, 10, 1);
      wd.maskGradient(masked);
      return { avg, g, big, norm, small, smallNorm, dropped: cloneParams(dropped), masked };
    });
    for (const k of ['avg', 'g', 'big', 'small', 'dropped', 'masked'] as const) expectSameBits(js[k], native[k]);
    expect(native.norm).toBe(js.norm);
    expect(native.norm).toBeGreaterThan(5); // the scaling ran
    expect(native.smallNorm).toBe(js.smallNorm);
    expect(Number.isNaN(native.g.Whh[0])).toBe(true);
    expect([native.g.Whh[1], native.g.Why[2], Object.is(native.g.bh[0], -0)]).toEqual([5, -5, true]);
  });

  it('dropout masks, of odd and even lengths, for any seed and rate', () => {
    for (const [n, p, seed] of [[1, 0.2, 1], [7, 0.5, 0xffffffff], [1000, 0.2, 42], [999, 0, 3], [64, 1, 9], [4096, 0.9, 2 ** 31]]) {
      const { js, native } = bothWays(() => {
        const mask = new Float32Array(n);
        fillDropoutMask(mask, p, seed);
        return mask;
      });
      expect(native, `n=${n} p=${p} seed=${seed}`).toEqual(js);
    }
    const mask = new Float32Array(100_000);
    fillDropoutMask(mask, 0.2, 5);
    const dropped = mask.filter((x) => x === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.19);
    expect(dropped).toBeLessThan(0.21);
  });

  it('a training run with dropout, weight drop, clipping and the average takes the same steps either way', () => {
    const text = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40);
    const corpus = makeCorpus(text, { valSplit: 0.1 });
    const cfg = makeConfig({ hidden: 24, batch: 4, seqLength: 10, optim: 'adam', lr: 0.01, clipNorm: 1, dropout: 0.2, weightDrop: 0.1, ema: 0.99, seed: 3 });
    const { js, native } = bothWays(() => {
      const t = new Trainer(corpus, cfg, { steps: 30 });
      while (!t.done()) t.trainStep();
      return { params: t.params, average: t.average! };
    });
    expectSameBits(js.params, native.params);
    expectSameBits(js.average, native.average);
  });

  it('the parallel trainer’s traffic: rounding to float32, the sum of two halves, widening to float64 with a scale', () => {
    const ew = nativeElementwise()!;
    const rng = new Rng(9);
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4e38, 3.5e38, -1e-300, 1 + 2 ** -24, 1 + 3 * 2 ** -25];
    const n = 1001;
    const x = Float64Array.from({ length: n }, (_, i) => (i < specials.length ? specials[i] : rng.normal() * 10 ** ((i % 7) - 3)));
    const narrowed = new Float32Array(n);
    ew.narrow(narrowed, x);
    expect(narrowed).toEqual(Float32Array.from(x));
    const a = Float32Array.from(x);
    const b = Float32Array.from(x, (v, i) => (i % 3 ? rng.normal() : -v));
    const js = a.slice();
    for (let i = 0; i < n; i++) js[i] += b[i];
    ew.add(a, b);
    expect(a).toEqual(js);
    const wide = new Float64Array(n);
    ew.widen(wide, a, 1 / 32);
    expect(wide).toEqual(Float64Array.from(a, (v) => v * (1 / 32)));
  });

  it('the two-thread kernel engine takes the same steps with the JS loops and the native ones', async () => {
    const text = 'Now is the winter of our discontent\nMade glorious summer by this sun of York;\n'.repeat(40);
    const corpus = makeCorpus(text, { valSplit: 0.1 });
    const cfg = makeConfig({ hidden: 24, batch: 4, seqLength: 10, optim: 'adam', lr: 0.01, clipNorm: 1, dropout: 0.2, weightDrop: 0.1, seed: 4 });
    const run = async () => {
      const t = new Trainer(corpus, cfg, { steps: 20 }, (await kernelEngine(2))!);
      while (!t.done()) t.trainStep();
      return t.params;
    };
    process.env.BARD_ELEMENTWISE = 'js';
    const js = await run();
    delete process.env.BARD_ELEMENTWISE;
    expectSameBits(js, await run());
  });

  it('refuses arrays of the wrong type or of different lengths', () => {
    const ew = nativeElementwise()!;
    expect(() => ew.ema(new Float64Array(3), new Float64Array(4), 0.5)).toThrow(/different lengths/);
    expect(() => ew.mask(new Float64Array(3), new Float64Array(3), new Float64Array(3) as unknown as Float32Array)).toThrow(/Float32Array/);
    expect(() => ew.clip([1, 2] as unknown as Float64Array, 1)).toThrow(/Float64Array/);
    expect(() => ew.add(new Float32Array(3), new Float32Array(2))).toThrow(/different lengths/);
    expect(() => ew.widen(new Float64Array(2), new Float32Array(2), undefined as unknown as number)).toThrow(/numbers/);
  });
});
