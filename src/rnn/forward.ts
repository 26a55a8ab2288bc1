import type { Params } from './params.ts';

/**
 * One step of the vanilla RNN, float64, exactly min-char-rnn's arithmetic:
 *   h = tanh(Wxh · x + Whh · hprev + bh)     x one-hot at ix, so Wxh · x is column ix of Wxh
 * Writes h into `hout` (which must not alias `hprev`) and returns it.
 */
export function stepHidden(p: Params, ix: number, hprev: Float64Array, hout: Float64Array): Float64Array {
  const { H, V, Wxh, Whh, bh } = p;
  for (let j = 0; j < H; j++) {
    let a = 0;
    const row = j * H;
    for (let k = 0; k < H; k++) a += Whh[row + k] * hprev[k];
    hout[j] = Math.tanh(Wxh[j * V + ix] + a + bh[j]);
  }
  return hout;
}

/** y = Why · h + by (unnormalised log-probabilities of the next character). */
export function logits(p: Params, h: Float64Array, yout: Float64Array = new Float64Array(p.V)): Float64Array {
  const { H, V, Why, by } = p;
  for (let c = 0; c < V; c++) {
    let a = 0;
    const row = c * H;
    for (let j = 0; j < H; j++) a += Why[row + j] * h[j];
    yout[c] = a + by[c];
  }
  return yout;
}

/** Reads a sequence of indices from state h0 and returns the final hidden state (a new array). */
export function prime(p: Params, ixs: ArrayLike<number>, h0: Float64Array): Float64Array {
  let h = h0.slice();
  let next = new Float64Array(p.H);
  for (let t = 0; t < ixs.length; t++) {
    stepHidden(p, ixs[t], h, next);
    [h, next] = [next, h];
  }
  return h;
}
