import { nativeElementwise } from '../kernels/native.ts';

/**
 * Inverted dropout masks: each entry is 0 with probability p, else 1/(1 − p), so the expected input of
 * the masked layer is unchanged and the model needs no rescaling when it runs without dropout.
 *
 * p is rounded to a multiple of 1/65536: one 32-bit draw of mulberry32 (the generator of src/rnn/rng.ts,
 * inlined here because a training step at H = 512 draws 800k of these) decides two entries.
 */
export function fillDropoutMask(mask: Float32Array, p: number, seed: number): void {
  const threshold = Math.round(p * 65536);
  const keep = threshold >= 65536 ? 0 : 65536 / (65536 - threshold);
  const native = nativeElementwise();
  if (native) return native.dropoutMask(mask, threshold, keep, seed);
  let state = seed | 0;
  for (let i = 0; i < mask.length; i += 2) {
    let t = (state = (state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    mask[i] = (t & 0xffff) < threshold ? 0 : keep;
    if (i + 1 < mask.length) mask[i + 1] = t >>> 16 < threshold ? 0 : keep;
  }
}
