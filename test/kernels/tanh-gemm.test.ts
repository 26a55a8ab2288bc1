import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rnn/rng.ts';
import { Arena, kernelVariant, type KernelVariant } from '../../src/kernels/wasm.ts';

describe('WASM tanh', () => {
  it('is within 5e-7 of Math.tanh everywhere (a few float32 ulps), odd, and bounded by 1', () => {
    const a = new Arena();
    const n = 200_000;
    const src = a.allocF32(n);
    const dst = a.allocF32(n);
    const m = a.f32();
    const xs = m.subarray(src >> 2, (src >> 2) + n);
    for (let i = 0; i < n / 2; i++) xs[i] = -12 + (24 * i) / (n / 2); // the whole range, past the clamp
    for (let i = n / 2; i < n; i++) xs[i] = (i % 2 ? 1 : -1) * 10 ** (-8 + (8 * (i - n / 2)) / (n / 2)); // tiny to 1
    a.exports.tanhArray(src, dst, n);
    const ys = m.subarray(dst >> 2, (dst >> 2) + n);
    let worst = 0;
    let worstRel = 0;
    for (let i = 0; i < n; i++) {
      const err = Math.abs(ys[i] - Math.tanh(xs[i]));
      worst = Math.max(worst, err);
      if (xs[i] !== 0 && Math.abs(xs[i]) < 0.5) worstRel = Math.max(worstRel, err / Math.abs(Math.tanh(xs[i])));
    }
    expect(ys.reduce((m, y) => Math.max(m, Math.abs(y)), 0)).toBeLessThanOrEqual(1);
    expect(worst).toBeLessThan(5e-7);
    expect(worstRel).toBeLessThan(1e-6); // small arguments keep their relative precision
    // odd: tanh(-x) = -tanh(x) exactly
    const before = ys.slice(0, 1000);
    for (let i = 0; i < 1000; i++) xs[i] = -xs[i];
    a.exports.tanhArray(src, dst, 1000);
    for (let i = 0; i < 1000; i++) expect(ys[i]).toBe(-before[i]);
  });
});

/**
 * The float32 chain the kernel promises for C[b][j], in k order: acc = 0; acc = fround(acc + fround(x·w)), or with
 * fused multiply-adds acc = fround(acc + x·w) (x·w of two float32s is exact in float64).
 */
function chain(X: (b: number, k: number) => number, W: Float32Array, ldw: number, b: number, j: number, K: number, fused: boolean): number {
  let acc = 0;
  for (let k = 0; k < K; k++) {
    const xw = X(b, k) * W[k * ldw + j];
    acc = Math.fround(acc + (fused ? xw : Math.fround(xw)));
  }
  return acc;
}

/**
 * Whether a build's multiply-adds are fused on this machine: (−(1 + 2⁻¹¹)) + a·a with a = 1 + 2⁻¹² is 2⁻²⁴
 * exactly, but 0 when a·a is first rounded to float32 (to 1 + 2⁻¹¹).
 */
function fuses(variant: KernelVariant): boolean {
  const a = new Arena(variant);
  const x = a.allocF32(4);
  const w = a.allocF32(8);
  const c = a.allocF32(4);
  const m = a.f32();
  m.set([1, 1 + 2 ** -12], x >> 2);
  m.set([-(1 + 2 ** -11), 0, 0, 0, 1 + 2 ** -12, 0, 0, 0], w >> 2);
  a.exports.gemm(c, x, w, 1, 2, 4, 2, 1, 4, 4);
  return m[c >> 2] !== 0;
}

describe('WASM builds', () => {
  it('the plain SIMD build multiplies then adds; the relaxed one is the default and fuses where the CPU has FMA', () => {
    expect(fuses('simd')).toBe(false);
    expect(kernelVariant()).toBe('fma');
    const cpuHasFma = !existsSync('/proc/cpuinfo') || /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
    if (cpuHasFma) expect(fuses('fma')).toBe(true);
  });
});

const SHAPES = [
  [1, 7, 4],
  [1, 250, 252],
  [3, 5, 12],
  [4, 9, 8],
  [6, 33, 36],
  [9, 17, 28],
  [32, 20, 68],
  [5, 300, 12], // K past one 256 chunk: the partial sums go through C
  [2, 600, 8],
] as const;

describe('WASM gemm', () => {
  it.each((['simd', 'fma'] as const).flatMap((v) => SHAPES.map(([nb, K, M]) => [v, nb, K, M] as const)))('%s build, nb=%i K=%i M=%i: every element is the in-order float32 chain, bit for bit, plain and with X transposed', (variant, nb, K, M) => {
    const rng = new Rng(nb * 1000 + K);
    const a = new Arena(variant);
    const fused = fuses(variant);
    const ldw = M + 4; // a leading dimension larger than M
    const ldc = M + 8;
    const w = a.allocF32(K * ldw);
    const x = a.allocF32(nb * K);
    const c = a.allocF32(nb * ldc);
    const m = a.f32();
    const W = m.subarray(w >> 2, (w >> 2) + K * ldw);
    const Xm = m.subarray(x >> 2, (x >> 2) + nb * K);
    for (let i = 0; i < W.length; i++) W[i] = rng.normal();
    for (let i = 0; i < Xm.length; i++) Xm[i] = rng.normal();
    const C = () => m.subarray(c >> 2, (c >> 2) + nb * ldc);

    // X row-major (b, k) at b*K + k
    const mismatches = (X: (b: number, k: number) => number): number => {
      const out = C();
      let bad = 0;
      for (let b = 0; b < nb; b++) for (let j = 0; j < M; j++) if (out[b * ldc + j] !== chain(X, W, ldw, b, j, K, fused)) bad++;
      return bad;
    };
    a.exports.gemm(c, x, w, nb, K, M, K, 1, ldw, ldc);
    expect(mismatches((b, k) => Xm[b * K + k])).toBe(0);

    // the same numbers read as a transposed view: X(b, k) at k*nb + b
    a.exports.gemm(c, x, w, nb, K, M, 1, nb, ldw, ldc);
    expect(mismatches((b, k) => Xm[k * nb + b])).toBe(0);
    // and it is a matrix product: against float64 within float32 rounding
    let worst = 0;
    const out = C();
    for (let b = 0; b < nb; b++) {
      for (let j = 0; j < M; j++) {
        let s = 0;
        let mag = 0;
        for (let k = 0; k < K; k++) {
          s += Xm[k * nb + b] * W[k * ldw + j];
          mag += Math.abs(Xm[k * nb + b] * W[k * ldw + j]);
        }
        worst = Math.max(worst, Math.abs(out[b * ldc + j] - s) / mag);
      }
    }
    expect(worst).toBeLessThan(K * 1.2e-7);
  });
});

describe('WASM exp (for the softmax of the sampler)', () => {
  it('is within 2 float32 ulps (relative 2.4e-7) of Math.exp on [-87, 0], and ~0 below', () => {
    const a = new Arena();
    const n = 100_000;
    const src = a.allocF32(n);
    const dst = a.allocF32(n);
    const m = a.f32();
    const xs = m.subarray(src >> 2, (src >> 2) + n);
    for (let i = 0; i < n; i++) xs[i] = -87 * (i / (n - 1)) ** 2;
    a.exports.expArray(src, dst, n);
    const ys = m.subarray(dst >> 2, (dst >> 2) + n);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ys[i] / Math.exp(xs[i]) - 1));
    expect(worst).toBeLessThan(2.4e-7);
    xs.fill(-1e4, 0, 4);
    a.exports.expArray(src, dst, 4);
    for (let i = 0; i < 4; i++) expect(ys[i]).toBeLessThan(1e-37);
  });
});

describe('WASM gemm on packed weights and row panels (the training products)', () => {
  it.each([
    [16, 512, 512, false],
    [5, 700, 68, false], // a last panel of 1 row, an 8-column remainder of 4, and K past one 512 chunk
    [1, 9, 4, false],
    [33, 65, 252, false],
    [32, 250, 252, false], // the recurrence at H = 250: rows packed by 4×4 transposes, a K remainder of 2
    [65, 700, 252, true], // X transposed (dy for dWhy): panels packed by vector loads, a last panel of 1 row
    [6, 3, 12, true],
  ])('nb=%i K=%i M=%i transposed X=%s: packStrips + gemmPacked gives gemm\'s bits', (nb, K, M, transposed) => {
    for (const variant of ['simd', 'fma'] as const) {
      const rng = new Rng(nb + K + M);
      const a = new Arena(variant);
      const w = a.allocF32(K * M);
      const x = a.allocF32(nb * K);
      const c1 = a.allocF32(nb * M);
      const c2 = a.allocF32(nb * M);
      const pack = a.allocF32(K * M);
      const panels = a.allocF32(a.exports.panelFloats(nb, K));
      const m = a.f32();
      for (let i = 0; i < K * M; i++) m[(w >> 2) + i] = rng.normal();
      for (let i = 0; i < nb * K; i++) m[(x >> 2) + i] = rng.normal();
      // Row b of X is either row b of the buffer (strides K, 1) or its column b (strides 1, nb).
      const [xrs, xcs] = transposed ? [1, nb] : [K, 1];
      // Stale values in C: with the first chunk C is overwritten, not added to.
      m.fill(7, c2 >> 2, (c2 >> 2) + nb * M);
      a.exports.gemm(c1, x, w, nb, K, M, xrs, xcs, M, M);
      a.exports.packStrips(w, K, M, M, pack);
      a.exports.gemmPacked(c2, x, pack, nb, K, M, xrs, xcs, M, 512, panels);
      const plain = m.slice(c1 >> 2, (c1 >> 2) + nb * M);
      const packed = m.slice(c2 >> 2, (c2 >> 2) + nb * M);
      expect(packed).toEqual(plain);
      expect(plain.some((v) => v !== 0)).toBe(true);
    }
  });

  it('writes no row past nb (a last panel\'s padding rows are not stored)', () => {
    const a = new Arena();
    const nb = 5, K = 40, M = 12;
    const w = a.allocF32(K * M);
    const x = a.allocF32(nb * K);
    const c = a.allocF32((nb + 3) * M);
    const pack = a.allocF32(K * M);
    const panels = a.allocF32(a.exports.panelFloats(nb, K));
    const m = a.f32();
    const rng = new Rng(3);
    for (let i = 0; i < K * M; i++) m[(w >> 2) + i] = rng.normal();
    for (let i = 0; i < nb * K; i++) m[(x >> 2) + i] = rng.normal();
    m.fill(-3, (c >> 2) + nb * M, (c >> 2) + (nb + 3) * M);
    a.exports.packStrips(w, K, M, M, pack);
    a.exports.gemmPacked(c, x, pack, nb, K, M, K, 1, M, 16, panels);
    expect([...m.subarray((c >> 2) + nb * M, (c >> 2) + (nb + 3) * M)].every((v) => v === -3)).toBe(true);
  });
});
