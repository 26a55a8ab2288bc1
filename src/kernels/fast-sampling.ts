import type { Rng } from '../rnn/rng.ts';
import { BatchSampler } from './batch-sampler.ts';
import type { ParamsLike } from './layout.ts';
import { kernelsAvailable } from './wasm.ts';

// One single-stream sampler per parameter set, reused across calls (a kernel instance costs a module
// instantiation and its memory). The weights are copied in again on every call, so parameters that a
// trainer changes in place are always the ones sampled from.
const samplers = new WeakMap<object, BatchSampler>();

/**
 * Reads `prompt` from state h0 and samples `length` characters with the float32 kernels: a batch of one,
 * so exactly what a continuous-batching worker produces for the same stream. Returns the sampled indices,
 * or null when the kernels are not built (callers then use the float64 path).
 */
export function sampleStream(
  params: ParamsLike,
  h0: ArrayLike<number>,
  prompt: ArrayLike<number>,
  length: number,
  temp: number,
  rng: Rng,
): number[] | null {
  if (!kernelsAvailable()) return null;
  let sampler = samplers.get(params);
  if (!sampler || sampler.kernel.H !== params.H || sampler.kernel.V !== params.V) {
    sampler = new BatchSampler(params, 1);
    samplers.set(params, sampler);
  } else {
    sampler.load(params);
  }
  sampler.add({ h0, prompt, length, temp, rng });
  const [done] = sampler.drain();
  return done.ixs;
}
