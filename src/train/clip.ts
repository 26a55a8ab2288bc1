import { PARAM_NAMES, type Params } from '../rnn/params.ts';

export { clipGradients as clipElements } from '../rnn/optim.ts';

/** ‖g‖₂ over every parameter's gradient taken together. */
export function globalNorm(g: Params): number {
  let s = 0;
  for (const name of PARAM_NAMES) {
    const a = g[name];
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  }
  return Math.sqrt(s);
}

/**
 * Global-norm clipping (Pascanu et al.): if ‖g‖ > maxNorm, scale every gradient by maxNorm / ‖g‖,
 * which keeps the update's direction (element clipping does not). Returns the norm before clipping.
 */
export function clipGlobalNorm(g: Params, maxNorm: number): number {
  const norm = globalNorm(g);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const name of PARAM_NAMES) {
      const a = g[name];
      for (let i = 0; i < a.length; i++) a[i] *= scale;
    }
  }
  return norm;
}
