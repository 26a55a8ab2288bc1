import { initParams, type Params } from '../rnn/params.ts';
import { Rng } from '../rnn/rng.ts';
import type { TrainConfig, WhhInit } from './config.ts';

/**
 * Initial parameters: min-char-rnn's N(0,1)·scale for Wxh and Why, zero biases, and Whh by `initWhh`:
 *  - small-random:    N(0,1)·scale (min-char-rnn);
 *  - orthogonal:      a random orthogonal matrix times `gain` (all singular values = gain, so the
 *                     linearised recurrence neither explodes nor vanishes at gain 1);
 *  - identity-scaled: gain · I (Le et al.'s IRNN idea; with tanh a gain below 1 keeps it contractive).
 * Draws come from one Rng seeded by cfg.seed, so the same seed gives the same weights.
 */
export function initialParams(cfg: TrainConfig, V: number): Params {
  const rng = new Rng(cfg.seed);
  const randn = () => rng.normal();
  const p = initParams(cfg.hidden, V, randn, cfg.initScale);
  p.Whh = initWhh(cfg.initWhh, cfg.hidden, cfg.whhGain, cfg.initScale, randn);
  return p;
}

export function initWhh(kind: WhhInit, H: number, gain: number, scale: number, randn: () => number): Float64Array {
  switch (kind) {
    case 'small-random':
      return Float64Array.from({ length: H * H }, () => randn() * scale);
    case 'orthogonal':
      return randomOrthogonal(H, randn).map((v) => v * gain);
    case 'identity-scaled': {
      const W = new Float64Array(H * H);
      for (let j = 0; j < H; j++) W[j * H + j] = gain;
      return W;
    }
  }
}

/**
 * A random orthogonal H×H matrix (row-major): QR of a Gaussian matrix by modified Gram–Schmidt on its
 * rows, which gives the Haar distribution (the sign of each row is that of a Gaussian draw).
 */
export function randomOrthogonal(H: number, randn: () => number): Float64Array {
  const Q = Float64Array.from({ length: H * H }, () => randn());
  for (let i = 0; i < H; i++) {
    const qi = Q.subarray(i * H, (i + 1) * H);
    // Two passes of Gram–Schmidt keep the rows orthogonal to machine precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < i; r++) {
        const qr = Q.subarray(r * H, (r + 1) * H);
        let dot = 0;
        for (let k = 0; k < H; k++) dot += qi[k] * qr[k];
        for (let k = 0; k < H; k++) qi[k] -= dot * qr[k];
      }
    }
    let norm = 0;
    for (let k = 0; k < H; k++) norm += qi[k] * qi[k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < H; k++) qi[k] /= norm;
  }
  return Q;
}
