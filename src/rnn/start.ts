import { logits, stepHidden } from './forward.ts';
import type { Model } from './model.ts';
import { Rng } from './rng.ts';
import { softmax } from './softmax.ts';

export type InitMode = 'warm' | 'zero';

/**
 * The hidden state a prompt is read from.
 *
 * 'zero' is raw min-char-rnn (h = 0). Some snapshots (CSC321's among them) fall into a degenerate
 * fixed point from h = 0 when the first character is e.g. '\n' or a capital: the zero vector is a
 * state the network never saw in training, since min-char-rnn only resets h once, at the very start.
 *
 * 'warm' uses a state the network did see:
 *  - our trainer stores one in the snapshot (`h0`: the state after reading a burn-in of training
 *    text that ends at a paragraph break), so a prompt starts like a new speech;
 *  - for a snapshot without one, we make one from the model itself: read a space (the commonest
 *    character of text, so its state is the one the network saw most) and let the model write its
 *    own burn-in at T = 1 with a fixed seed until it ends a paragraph ("\n\n", after at least 50
 *    characters) or 400 characters pass. The result is deterministic and in the model's own
 *    distribution, with no training text needed.
 */
export function startState(model: Model, init: InitMode = 'warm'): Float64Array {
  if (init === 'zero') return new Float64Array(model.H);
  if (model.h0) return model.h0.slice();
  return selfBurnIn(model);
}

const burnInCache = new WeakMap<Model, Float64Array>();

function selfBurnIn(model: Model): Float64Array {
  const cached = burnInCache.get(model);
  if (cached) return cached.slice();
  const p = model.params;
  let h = new Float64Array(p.H);
  let next = new Float64Array(p.H);
  const first = model.charToIx.get(' ') ?? 0;
  stepHidden(p, first, h, next);
  [h, next] = [next, h];
  const rng = new Rng(0);
  const y = new Float64Array(p.V);
  const probs = new Float64Array(p.V);
  const nl = model.charToIx.get('\n');
  let prev = -1;
  for (let t = 0; t < 400; t++) {
    const ix = rng.choice(softmax(logits(p, h, y), 1, probs));
    stepHidden(p, ix, h, next);
    [h, next] = [next, h];
    if (t >= 50 && ix === nl && prev === nl) break;
    prev = ix;
  }
  burnInCache.set(model, h.slice());
  return h;
}
