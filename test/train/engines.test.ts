import { describe, expect, it } from 'vitest';
import { initParams, PARAM_NAMES, zerosLike } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { referenceEngine } from '../../src/train/batch-loss.ts';
import { chooseEngine, kernelEngine } from '../../src/train/engines.ts';

describe('training engines', () => {
  it.each([1, 2] as const)('the WASM kernel engine (built by npm ci) on %i thread(s) matches the float64 reference to float32 precision', async (threads) => {
    const kernel = await kernelEngine(threads);
    expect(kernel).not.toBeNull();
    expect((await chooseEngine('auto', threads)).name).toBe(kernel!.name);
    const [H, V, B, T] = [20, 9, 3, 6];
    const rng = new Rng(8);
    const p = initParams(H, V, () => rng.normal(), 0.3);
    const inputs = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const h0 = Float64Array.from({ length: B * H }, () => rng.normal() * 0.5);
    const [hr, hk] = [h0.slice(), h0.slice()];
    const [gr, gk] = [zerosLike(p), zerosLike(p)];
    const lr = referenceEngine.lossAndGrads(p, inputs, targets, hr, gr, B, T);
    const lk = kernel!.lossAndGrads(p, inputs, targets, hk, gk, B, T);
    expect(Math.abs(lk - lr) / lr).toBeLessThan(1e-5);
    for (const name of PARAM_NAMES) {
      let scale = 0;
      for (const v of gr[name]) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < gr[name].length; i++) expect(Math.abs(gk[name][i] - gr[name][i])).toBeLessThan(1e-4 * scale + 1e-7);
    }
    for (let i = 0; i < hr.length; i++) expect(hk[i]).toBeCloseTo(hr[i], 5);
  });
});
