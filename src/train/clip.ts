import { nativeElementwise } from '../kernels/native.ts';
import { clipGradients } from '../rnn/optim.ts';
import { PARAM_NAMES, type Params } from '../rnn/params.ts';

/** min-char-rnn's clip of every gradient element to [−limit, limit]: its loop, or the same vectorised where the addon is built. */
export function clipElements(g: Params, limit = 5): void {
  const native = nativeElementwise();
  if (!native) return clipGradients(g, limit);
  for (const name of PARAM_NAMES) native.clip(g[name], limit);
}

/** ‖g‖₂ over every parameter's gradient taken together. */
export function globalNorm(g: Params): number {
  const native = nativeElementwise();
  let s = 0;
  for (const name of PARAM_NAMES) {
    const a = g[name];
    if (native) s = native.sumSquares(a, s);
    else for (let i = 0; i < a.length; i++) s += a[i] * a[i];
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
    const native = nativeElementwise();
    for (const name of PARAM_NAMES) {
      const a = g[name];
      if (native) native.scale(a, scale);
      else for (let i = 0; i < a.length; i++) a[i] *= scale;
    }
  }
  return norm;
}
