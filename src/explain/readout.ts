import type { Params } from '../rnn/params.ts';

/**
 * A linear readout of the hidden state: r(h) = Σ_j w_j h_j + bias.
 * For "the next-set characters versus the others", r(h) is exactly
 *   mean_{c∈plus} y_c − mean_{c∈minus} y_c     with y = Why h + by,
 * so w_j = mean_{c∈plus} Why[c][j] − mean_{c∈minus} Why[c][j] and bias = mean_{plus} by − mean_{minus} by.
 * Unit j's contribution is h_j · w_j; the contributions plus the bias add up to r(h).
 */
export interface Readout {
  plus: number[];
  minus: number[];
  w: Float64Array;
  bias: number;
}

export function makeReadout(p: Params, plus: number[], minus: number[]): Readout {
  if (plus.length === 0 || minus.length === 0) throw new RangeError('a readout needs characters on both sides');
  const { H, Why, by } = p;
  const w = new Float64Array(H);
  for (let j = 0; j < H; j++) w[j] = meanOf(plus, (c) => Why[c * H + j]) - meanOf(minus, (c) => Why[c * H + j]);
  const bias = meanOf(plus, (c) => by[c]) - meanOf(minus, (c) => by[c]);
  return { plus, minus, w, bias };
}

/** contribution_j = h_j · w_j */
export function contributions(h: Float64Array, r: Readout): Float64Array {
  const out = new Float64Array(h.length);
  for (let j = 0; j < h.length; j++) out[j] = h[j] * r.w[j];
  return out;
}

/** The same readout computed from the logits themselves (the quantity the contributions must add up to). */
export function readoutFromLogits(y: ArrayLike<number>, r: Readout): number {
  return meanOf(r.plus, (c) => y[c]) - meanOf(r.minus, (c) => y[c]);
}

function meanOf(ixs: number[], f: (c: number) => number): number {
  let s = 0;
  for (const c of ixs) s += f(c);
  return s / ixs.length;
}
