import type { Params } from '../rnn/params.ts';
import { scoreSequence } from '../rnn/score.ts';

/**
 * Cross-entropy of a text under the model, float64, reading it with one continuous hidden state from h0:
 * the first character is read, every later one is scored — the arithmetic of `bard loss`
 * (scoreSequence), so the trainer's final validation figure is the one that command prints.
 * Returns the mean in nats per scored character and the count.
 */
export function textLoss(p: Params, ixs: ArrayLike<number>, h0: Float64Array): { natsPerChar: number; chars: number } {
  const { nats, count } = scoreSequence(p, ixs, h0);
  return { natsPerChar: count > 0 ? nats / count : NaN, chars: count };
}
