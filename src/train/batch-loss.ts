import type { Params } from '../rnn/params.ts';
import { normStabiliser } from './norm-stabiliser.ts';

/**
 * Forward + BPTT over a mini-batch: B independent streams, each a window of T characters.
 * Layout: inputs[b*T + t], targets[b*T + t]; h holds the B streams' states (h[b*H + j]) and is updated in
 * place to their states after the window (truncated BPTT carries them into the next window).
 * `grads` is overwritten with the gradient of the loss summed over t and averaged over b, so B = 1 is
 * exactly min-char-rnn's lossFun (and its clip-to-5 keeps the same meaning at any B).
 * Returns the loss summed over all B·T characters, in nats.
 * `mask` (optional, B·T·H values at [(b*T + t)*H + j], each 0 or 1/(1−p)) is dropout on the output layer's
 * input: y = Why (h ⊙ mask) + by. The recurrence is never dropped.
 * `normBeta` (optional) adds the norm stabiliser's gradient (norm-stabiliser.ts); the loss returned stays the cross-entropy.
 */
export interface BatchEngine {
  readonly name: string;
  lossAndGrads(p: Params, inputs: Int32Array, targets: Int32Array, h: Float64Array, grads: Params, B: number, T: number, mask?: Float32Array, normBeta?: number): number;
}

/**
 * The float64 reference: min-char-rnn's equations, one per line, for B streams at once.
 * The per-step loops run over b inside j so each weight row is reused for every stream.
 */
export const referenceEngine: BatchEngine = {
  name: 'float64-reference',
  lossAndGrads(p, inputs, targets, h, grads, B, T, mask, normBeta = 0) {
    const { H, V, Wxh, Whh, Why, bh, by } = p;
    const BH = B * H;
    // the output layer's input: h itself, or hd = h ⊙ mask under dropout (hd[(t+1)·BH + b·H + j], like hs)
    const hd = mask ? new Float64Array((T + 1) * BH) : null;
    const hs = new Float64Array((T + 1) * BH); // hs[(t+1)·BH + b·H + j] is h_t of stream b; hs[0..BH) is h_{-1}
    const ps = new Float64Array(T * B * V);
    hs.set(h.subarray(0, BH));
    let loss = 0;

    // forward pass
    for (let t = 0; t < T; t++) {
      const hp = t * BH;
      const hc = (t + 1) * BH;
      for (let b = 0; b < B; b++) {
        const x = inputs[b * T + t];
        const hpb = hp + b * H;
        for (let j = 0; j < H; j++) {
          const row = j * H;
          let s = 0;
          for (let k = 0; k < H; k++) s += Whh[row + k] * hs[hpb + k];
          hs[hc + b * H + j] = Math.tanh(Wxh[j * V + x] + s + bh[j]); // h = tanh(Wxh x + Whh hprev + bh)
        }
        const hcb = hc + b * H;
        if (hd && mask) for (let j = 0; j < H; j++) hd[hcb + j] = hs[hcb + j] * mask[(b * T + t) * H + j];
        const ho = hd ?? hs;
        const pb = (t * B + b) * V;
        let max = -Infinity;
        for (let c = 0; c < V; c++) {
          const row = c * H;
          let s = 0;
          for (let j = 0; j < H; j++) s += Why[row + j] * ho[hcb + j];
          const y = s + by[c]; // y = Why h + by
          ps[pb + c] = y;
          if (y > max) max = y;
        }
        let sum = 0;
        for (let c = 0; c < V; c++) {
          const e = Math.exp(ps[pb + c] - max);
          ps[pb + c] = e;
          sum += e;
        }
        for (let c = 0; c < V; c++) ps[pb + c] /= sum; // p = softmax(y)
        loss += -Math.log(ps[pb + targets[b * T + t]]);
      }
    }

    // the norm stabiliser's gradient on each h_t (t = 1..T), at [(t−1)·BH + b·H + j]
    const stab = normBeta > 0 ? new Float64Array(T * BH) : null;
    if (stab) normStabiliser(normBeta, hs, 0, stab, 0, { B, T, H, step: BH, row: H });

    // backward pass
    const { Wxh: dWxh, Whh: dWhh, Why: dWhy, bh: dbh, by: dby } = grads;
    dWxh.fill(0);
    dWhh.fill(0);
    dWhy.fill(0);
    dbh.fill(0);
    dby.fill(0);
    const dhnext = new Float64Array(BH);
    const dh = new Float64Array(H);
    const dhraw = new Float64Array(BH);
    const dy = new Float64Array(V);
    for (let t = T - 1; t >= 0; t--) {
      const hp = t * BH;
      const hc = (t + 1) * BH;
      for (let b = 0; b < B; b++) {
        const pb = (t * B + b) * V;
        for (let c = 0; c < V; c++) dy[c] = ps[pb + c];
        dy[targets[b * T + t]] -= 1; // dy = p − onehot(target)
        const hcb = hc + b * H;
        // dWhy += dy hᵀ;  dby += dy;  dh = Whyᵀ dy + dhnext  (under dropout: hd for h, and Whyᵀ dy ⊙ mask)
        const ho = hd ?? hs;
        dh.fill(0);
        for (let c = 0; c < V; c++) {
          const d = dy[c];
          const row = c * H;
          for (let j = 0; j < H; j++) {
            dWhy[row + j] += d * ho[hcb + j];
            dh[j] += Why[row + j] * d;
          }
          dby[c] += d;
        }
        if (mask) for (let j = 0; j < H; j++) dh[j] *= mask[(b * T + t) * H + j];
        if (stab) for (let j = 0; j < H; j++) dh[j] += stab[t * BH + b * H + j];
        for (let j = 0; j < H; j++) dh[j] += dhnext[b * H + j];
        // dhraw = (1 − h²) ⊙ dh;  dbh += dhraw;  dWxh += dhraw xᵀ;  dWhh += dhraw h_{t-1}ᵀ
        const x = inputs[b * T + t];
        const hpb = hp + b * H;
        for (let j = 0; j < H; j++) {
          const hj = hs[hcb + j];
          const r = (1 - hj * hj) * dh[j];
          dhraw[b * H + j] = r;
          dbh[j] += r;
          dWxh[j * V + x] += r;
          const row = j * H;
          for (let k = 0; k < H; k++) dWhh[row + k] += r * hs[hpb + k];
        }
        // dhnext = Whhᵀ dhraw
        const dn = dhnext.subarray(b * H, (b + 1) * H);
        dn.fill(0);
        for (let j = 0; j < H; j++) {
          const r = dhraw[b * H + j];
          const row = j * H;
          for (let k = 0; k < H; k++) dn[k] += Whh[row + k] * r;
        }
      }
    }
    if (B > 1) {
      const inv = 1 / B;
      for (const a of [dWxh, dWhh, dWhy, dbh, dby]) for (let i = 0; i < a.length; i++) a[i] *= inv;
    }
    h.set(hs.subarray(T * BH, (T + 1) * BH));
    return loss;
  },
};
