export const TEMP_MIN = 0.05;
export const TEMP_MAX = 5;

export class TemperatureError extends RangeError {}

/** Temperature must lie in [0.05, 5]; the seed's alpha is 1/T (alpha = 5 is T = 0.2). */
export function checkTemperature(T: number): number {
  if (typeof T !== 'number' || !Number.isFinite(T) || T < TEMP_MIN || T > TEMP_MAX) {
    throw new TemperatureError(`temperature must be a number between ${TEMP_MIN} and ${TEMP_MAX}, got ${T}`);
  }
  return T;
}

/**
 * p = softmax(y / T), written into `out`. Subtracting the max keeps exp() finite for any logits.
 * Returns `out`.
 */
export function softmax(y: ArrayLike<number>, T = 1, out: Float64Array = new Float64Array(y.length)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const e = Math.exp((y[i] - max) / T);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < y.length; i++) out[i] /= sum;
  return out;
}
