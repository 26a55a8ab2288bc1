import { referenceEngine, type BatchEngine } from './batch-loss.ts';

export const ENGINE_NAMES = ['auto', 'reference', 'kernel'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * The arithmetic behind a training step. 'reference' is the float64 JS path (min-char-rnn's numbers);
 * 'kernel' the WASM SIMD batched kernels (float32, checked against the reference in the tests);
 * 'auto' takes the kernels when they are built.
 */
export async function chooseEngine(name: EngineName): Promise<BatchEngine> {
  if (name === 'reference') return referenceEngine;
  const kernel = await loadKernelEngine();
  if (kernel) return kernel;
  if (name === 'kernel') throw new Error('the WASM training kernels are not available: run `npm run build:kernels`');
  return referenceEngine;
}

async function loadKernelEngine(): Promise<BatchEngine | null> {
  return null;
}
