import { describe, expect, it } from 'vitest';
import { initParams, zerosLike } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { referenceEngine } from '../../src/train/batch-loss.ts';
import { kernelEngine } from '../../src/train/engines.ts';
import { WeightDrop } from '../../src/train/weight-drop.ts';

const H = 24;
const V = 5;
const B = 2;
const T = 6;

function setup() {
  const rng = new Rng(11);
  const p = initParams(H, V, () => rng.normal(), 0.4);
  const ixs = (n: number) => Int32Array.from({ length: n }, () => Math.floor(rng.next() * V));
  const h0 = Float64Array.from({ length: B * H }, () => rng.normal() * 0.3);
  return { p, inputs: ixs(B * T), targets: ixs(B * T), h0 };
}

describe('weight drop on Whh', () => {
  it('masks only Whh: a fraction p of its entries is 0, the rest are scaled by 1/(1 − p); the seed decides which', () => {
    const { p } = setup();
    const wd = new WeightDrop(H, 0.25);
    const whh = p.Whh.slice();
    const q = wd.apply(p, 3);
    expect(q.Wxh).toBe(p.Wxh);
    expect(q.Why).toBe(p.Why);
    expect(Array.from(p.Whh)).toEqual(Array.from(whh)); // the real weights are untouched
    const zeros = q.Whh.filter((x) => x === 0).length / q.Whh.length;
    expect(zeros).toBeGreaterThan(0.18);
    expect(zeros).toBeLessThan(0.32);
    for (let i = 0; i < whh.length; i++) if (q.Whh[i] !== 0) expect(q.Whh[i]).toBeCloseTo(whh[i] / 0.75, 6);
    const again = Array.from(wd.apply(p, 3).Whh);
    expect(again).toEqual(Array.from(q.Whh));
    expect(Array.from(wd.apply(p, 4).Whh)).not.toEqual(again);
  });

  it("gives the gradient of the masked network's loss with respect to the real Whh (finite differences)", () => {
    const { p, inputs, targets, h0 } = setup();
    const wd = new WeightDrop(H, 0.3);
    const lossAt = (g = zerosLike(p)) => referenceEngine.lossAndGrads(wd.apply(p, 9), inputs, targets, h0.slice(), g, B, T);
    const g = zerosLike(p);
    const masked = lossAt(g);
    wd.maskGradient(g);
    expect(Math.abs(masked - referenceEngine.lossAndGrads(p, inputs, targets, h0.slice(), zerosLike(p), B, T))).toBeGreaterThan(1e-3);
    const eps = 1e-6;
    let dropped = 0;
    for (let i = 0; i < p.Whh.length; i += 7) {
      const keep = p.Whh[i];
      p.Whh[i] = keep + eps;
      const up = lossAt();
      p.Whh[i] = keep - eps;
      const down = lossAt();
      p.Whh[i] = keep;
      if (wd.apply(p, 9).Whh[i] === 0) {
        dropped++;
        expect(Math.abs(g.Whh[i])).toBe(0); // a dropped connection gets no gradient this step
      }
      expect(g.Whh[i], `Whh[${i}]`).toBeCloseTo((up - down) / (2 * eps) / B, 6); // grads are the mean over streams
    }
    expect(dropped).toBeGreaterThan(5);
  });

  it('runs the same on the WASM kernels as on the float64 reference', async () => {
    const engine = await kernelEngine(1);
    if (!engine) throw new Error('the WASM kernels are not built: run npm run build:kernels');
    const { p, inputs, targets, h0 } = setup();
    const wd = new WeightDrop(H, 0.3);
    const run = (e: typeof referenceEngine) => {
      const g = zerosLike(p);
      const loss = e.lossAndGrads(wd.apply(p, 21), inputs, targets, h0.slice(), g, B, T);
      wd.maskGradient(g);
      return { loss, g };
    };
    const ref = run(referenceEngine);
    const k = run(engine);
    expect(k.loss).toBeCloseTo(ref.loss, 3);
    for (let i = 0; i < p.Whh.length; i++) expect(k.g.Whh[i]).toBeCloseTo(ref.g.Whh[i], 4);
  });
});
