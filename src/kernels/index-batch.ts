import type { IndexBatch } from './batched-trainer.ts';

/**
 * Copies B×T character indices (B nested sequences, or flat with stream b's step t at [b*T + t]) into `dst`,
 * stream b's step t at dst[base + b*bStride + t*tStride], checking the shapes and that each index is in 0..V−1.
 */
export function copyIndexBatch(src: IndexBatch, dst: Int32Array, base: number, bStride: number, tStride: number, B: number, T: number, V: number, what: string): void {
  const nested = typeof (src as ArrayLike<unknown>)[0] !== 'number';
  if (nested ? src.length !== B : src.length !== B * T) throw new RangeError(`${what} must hold ${B} sequences of ${T} indices`);
  for (let b = 0; b < B; b++) {
    const seq = nested ? (src as ArrayLike<ArrayLike<number>>)[b] : null;
    if (seq && seq.length !== T) throw new RangeError(`${what}[${b}] has ${seq.length} indices, expected ${T}`);
    for (let t = 0; t < T; t++) {
      const ix = seq ? seq[t] : (src as ArrayLike<number>)[b * T + t];
      if (!(Number.isInteger(ix) && ix >= 0 && ix < V)) throw new RangeError(`${what}[${b}][${t}] = ${ix} is outside the vocabulary (0..${V - 1})`);
      dst[base + b * bStride + t * tStride] = ix;
    }
  }
}
