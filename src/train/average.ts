import { nativeElementwise } from '../kernels/native.ts';
import { PARAM_NAMES, type Params } from '../rnn/params.ts';

/**
 * Polyak averaging as an exponential moving average of the weights: θ̄ ← d·θ̄ + (1 − d)·θ after each step.
 * The average sits near the middle of the region the last ~1/(1 − d) steps wandered in, where the
 * loss is usually lower than at any one step, and it is still a plain min-char-rnn parameter set.
 * d ramps up as (1 + t)/(10 + t) towards `decay`, so the early average does not drag the init along.
 */
export function updateAverage(avg: Params, p: Params, decay: number, step: number): void {
  const d = Math.min(decay, (1 + step) / (10 + step));
  const native = nativeElementwise();
  for (const name of PARAM_NAMES) {
    const a = avg[name];
    const x = p[name];
    if (native) native.ema(a, x, d);
    else for (let i = 0; i < a.length; i++) a[i] = d * a[i] + (1 - d) * x[i];
  }
}
