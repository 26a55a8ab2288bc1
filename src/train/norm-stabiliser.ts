/**
 * The norm stabiliser (Krueger & Memisevic 2015, "Regularizing RNNs by stabilizing activations"): a training loss
 * term that keeps the size of the hidden state steady from one step to the next,
 *
 *   R = β Σ_t (‖h_t‖ − ‖h_{t−1}‖)²,   t = 1..T,  h_0 the state carried into the window,
 *
 * summed over the window like the cross-entropy (so β means what the paper's β means against a loss per character).
 * It only changes the gradient that reaches each h_t, so the model's equations stay min-char-rnn's:
 *
 *   ∂R/∂h_t = 2β (d_t − d_{t+1}) h_t / ‖h_t‖,   d_t = ‖h_t‖ − ‖h_{t−1}‖  (d_{T+1} = 0; h_0 is a constant).
 *
 * Layouts are strided so the float64 reference and the kernels' arena share this code: h_t of stream b starts at
 * hs[hsAt + t·step + b·row] for t = 0..T, and its gradient is written at dh[dhAt + (t−1)·step + b·row] for t = 1..T.
 */
export interface StateLayout {
  B: number;
  T: number;
  H: number;
  /** Distance between one step's rows and the next's (B·H, or B·Hp in the kernels). */
  step: number;
  /** Distance between two streams' rows within a step. */
  row: number;
}

/** Writes ∂R/∂h_t into `dh` (overwriting it) and returns R, summed over the B streams. */
export function normStabiliser(
  beta: number,
  hs: ArrayLike<number>,
  hsAt: number,
  dh: { [i: number]: number },
  dhAt: number,
  { B, T, H, step, row }: StateLayout,
): number {
  const norms = new Float64Array((T + 1) * B);
  for (let t = 0; t <= T; t++) {
    for (let b = 0; b < B; b++) {
      const at = hsAt + t * step + b * row;
      let s = 0;
      for (let j = 0; j < H; j++) s += hs[at + j] * hs[at + j];
      norms[t * B + b] = Math.sqrt(s);
    }
  }
  let penalty = 0;
  for (let t = 1; t <= T; t++) {
    for (let b = 0; b < B; b++) {
      const n = norms[t * B + b];
      const d = n - norms[(t - 1) * B + b];
      const next = t < T ? norms[(t + 1) * B + b] - n : 0;
      penalty += beta * d * d;
      // A zero state has no direction: its norm's gradient is taken as 0 there.
      const coeff = n > 0 ? (2 * beta * (d - next)) / n : 0;
      const h = hsAt + t * step + b * row;
      const g = dhAt + (t - 1) * step + b * row;
      for (let j = 0; j < H; j++) dh[g + j] = coeff * hs[h + j];
    }
  }
  return penalty;
}
