import { logits, stepHidden } from '../rnn/forward.ts';
import type { Params } from '../rnn/params.ts';

/**
 * Cross-entropy of a text under the model, float64, reading it with one continuous hidden state from h0:
 * the first character is read, every later one is scored (as `bard loss` does: n characters give n − 1 scores).
 * Returns the mean in nats per scored character and the count.
 */
export function textLoss(p: Params, ixs: ArrayLike<number>, h0: Float64Array): { natsPerChar: number; chars: number } {
  const { V } = p;
  let h = h0.slice();
  let next = new Float64Array(p.H);
  const y = new Float64Array(V);
  let loss = 0;
  for (let t = 0; t + 1 < ixs.length; t++) {
    stepHidden(p, ixs[t], h, next);
    [h, next] = [next, h];
    logits(p, h, y);
    // −log softmax(y)[target], computed stably: log Σ exp(y − max) + max − y[target]
    let max = -Infinity;
    for (let c = 0; c < V; c++) if (y[c] > max) max = y[c];
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(y[c] - max);
    loss += Math.log(sum) + max - y[ixs[t + 1]];
  }
  const chars = Math.max(0, ixs.length - 1);
  return { natsPerChar: chars > 0 ? loss / chars : NaN, chars };
}
