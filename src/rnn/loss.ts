import { zerosLike, type Params } from './params.ts';

export interface LossResult {
  /** Summed cross-entropy over the window, in nats. */
  loss: number;
  grads: Params;
  /** The hidden state after the last input, to carry into the next window. */
  h: Float64Array;
}

/**
 * min-char-rnn's lossFun: forward over `inputs`, scoring `targets`, then backpropagation through time.
 *   h_t = tanh(Wxh x_t + Whh h_{t-1} + bh);  y_t = Why h_t + by;  p_t = softmax(y_t)
 *   loss = − Σ_t log p_t[target_t]
 * Gradients are not clipped here (see clipGradients).
 */
export function lossFun(p: Params, inputs: ArrayLike<number>, targets: ArrayLike<number>, hprev: Float64Array): LossResult {
  const { H, V, Wxh, Whh, Why, bh, by } = p;
  const n = inputs.length;
  const hs: Float64Array[] = new Array(n + 1);
  const ps: Float64Array[] = new Array(n);
  hs[0] = hprev.slice(); // hs[t + 1] is h_t; hs[0] is h_{-1}
  let loss = 0;

  // forward pass
  for (let t = 0; t < n; t++) {
    const x = inputs[t];
    const hp = hs[t];
    const h = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const row = j * H;
      let s = 0;
      for (let k = 0; k < H; k++) s += Whh[row + k] * hp[k];
      h[j] = Math.tanh(Wxh[j * V + x] + s + bh[j]);
    }
    hs[t + 1] = h;
    const y = new Float64Array(V);
    let max = -Infinity;
    for (let c = 0; c < V; c++) {
      let s = 0;
      const row = c * H;
      for (let j = 0; j < H; j++) s += Why[row + j] * h[j];
      y[c] = s + by[c];
      if (y[c] > max) max = y[c];
    }
    let sum = 0;
    for (let c = 0; c < V; c++) {
      y[c] = Math.exp(y[c] - max);
      sum += y[c];
    }
    for (let c = 0; c < V; c++) y[c] /= sum;
    ps[t] = y;
    loss += -Math.log(y[targets[t]]);
  }

  // backward pass
  const g = zerosLike(p);
  const { Wxh: dWxh, Whh: dWhh, Why: dWhy, bh: dbh, by: dby } = g;
  const dhnext = new Float64Array(H);
  const dh = new Float64Array(H);
  const dhraw = new Float64Array(H);
  for (let t = n - 1; t >= 0; t--) {
    const dy = ps[t].slice();
    dy[targets[t]] -= 1; // dy = p − onehot(target)
    const h = hs[t + 1];
    const hp = hs[t];
    // dWhy += dy hᵀ;  dby += dy;  dh = Whyᵀ dy + dhnext
    dh.set(dhnext);
    for (let c = 0; c < V; c++) {
      const d = dy[c];
      const row = c * H;
      for (let j = 0; j < H; j++) {
        dWhy[row + j] += d * h[j];
        dh[j] += Why[row + j] * d;
      }
      dby[c] += d;
    }
    // dhraw = (1 − h²) ⊙ dh;  dbh += dhraw;  dWxh += dhraw xᵀ;  dWhh += dhraw h_{t-1}ᵀ
    const x = inputs[t];
    for (let j = 0; j < H; j++) {
      const r = (1 - h[j] * h[j]) * dh[j];
      dhraw[j] = r;
      dbh[j] += r;
      dWxh[j * V + x] += r;
      const row = j * H;
      for (let k = 0; k < H; k++) dWhh[row + k] += r * hp[k];
    }
    // dhnext = Whhᵀ dhraw
    dhnext.fill(0);
    for (let j = 0; j < H; j++) {
      const r = dhraw[j];
      const row = j * H;
      for (let k = 0; k < H; k++) dhnext[k] += Whh[row + k] * r;
    }
  }
  return { loss, grads: g, h: hs[n] };
}
