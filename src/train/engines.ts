import type { Params32 } from '../kernels/layout.ts';
import type { Params } from '../rnn/params.ts';
import { referenceEngine, type BatchEngine } from './batch-loss.ts';

export const ENGINE_NAMES = ['auto', 'reference', 'kernel'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * The arithmetic behind a training step. 'reference' is the float64 JS path (min-char-rnn's numbers);
 * 'kernel' the batched float32 kernels (matrix–matrix products, checked against the float64 reference in
 * test/kernels and test/train): native ones (AVX-512 or AVX2) when built, else WASM SIMD; 'auto' takes the
 * kernels when they are built.
 * The optimiser, clipping and the parameters themselves stay float64 whatever the engine.
 */
export async function chooseEngine(name: EngineName, threads: 1 | 2 = 1): Promise<BatchEngine> {
  if (name === 'reference') return referenceEngine;
  const kernel = await kernelEngine(threads);
  if (kernel) return kernel;
  if (name === 'kernel') throw new Error('the training kernels are not available: run `npm run build:kernels`');
  return referenceEngine;
}

/**
 * The batched kernel as a BatchEngine, or null when no kernels are built. With 2 threads the streams are
 * split over this thread and a worker thread (both cores), same arithmetic per stream. Its name says which
 * kernels: native-f32 or wasm-f32, with x2 for two threads.
 */
export async function kernelEngine(threads: 1 | 2 = 1): Promise<BatchEngine | null> {
  const { kernelBackend, nativeElementwise } = await import('../kernels/native.ts');
  const backend = kernelBackend();
  if (!backend) return null;
  const { createBatchedTrainer } = await import('../kernels/batched-trainer.ts');
  type Kernel = ReturnType<typeof createBatchedTrainer>;
  const { zeroParams32 } = await import('../kernels/layout.ts');
  let kernel: Kernel | null = null;
  // The float32 gradients, kept from step to step (they are widened into the caller's float64 ones at once).
  let into: Params32 | undefined;
  return {
    name: `${backend === 'native' ? 'native' : 'wasm'}-f32${threads === 2 ? 'x2' : ''}`,
    lossAndGrads(p: Params, inputs: Int32Array, targets: Int32Array, h: Float64Array, grads: Params, B: number, T: number, mask?: Float32Array, normBeta = 0): number {
      // One kernel instance holds its buffers for one (H, V, B, T); a run never changes them.
      if (!kernel || kernel.H !== p.H || kernel.V !== p.V || kernel.B !== B || kernel.T !== T) {
        void kernel?.close(); // a new shape: let the old instance's thread go
        kernel = createBatchedTrainer(p.H, p.V, B, T, { threads, backend });
        into = zeroParams32(p.H, p.V);
      }
      const r = kernel.lossAndGrads(p, inputs, targets, h, mask, normBeta, into);
      const native = nativeElementwise();
      // The kernel sums over streams; the trainer's contract is the mean (so B = 1 is min-char-rnn).
      const inv = 1 / B;
      for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const) {
        const src = r.grads[name];
        const dst = grads[name];
        if (native) native.widen(dst, src, inv);
        else for (let i = 0; i < dst.length; i++) dst[i] = src[i] * inv;
      }
      h.set(r.h);
      return r.loss;
    },
  };
}
