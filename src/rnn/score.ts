import type { Params } from './params.ts';

export interface Score {
  /** Summed cross-entropy, in nats, of every character after the first. */
  nats: number;
  /** How many characters were scored (ixs.length − 1, or 0). */
  count: number;
  /** The hidden state after reading every character but the last (the state that scored the last one). */
  h: Float64Array;
}

/**
 * Scores a character stream under the model, float64: reads ixs[0] from state h0, then for t ≥ 1
 *   h = tanh(Wxh x_{t−1} + Whh h + bh);  y = Why h + by;  loss −= log softmax(y)[ixs[t]]
 * The same arithmetic as stepHidden/logits (each dot product is summed in the same order, so the
 * hidden states are bit-identical), written for long texts: four rows of a matrix share one pass
 * over h, which roughly halves the time of a 100k-character text.
 */
export function scoreSequence(p: Params, ixs: ArrayLike<number>, h0: Float64Array): Score {
  const { H, V, Wxh, Whh, Why, bh, by } = p;
  let h = h0.slice();
  let hnext = new Float64Array(H);
  const y = new Float64Array(V);
  let nats = 0;
  for (let t = 1; t < ixs.length; t++) {
    const x = ixs[t - 1];
    matVec4(Whh, H, H, h, hnext);
    for (let j = 0; j < H; j++) hnext[j] = Math.tanh(Wxh[j * V + x] + hnext[j] + bh[j]);
    [h, hnext] = [hnext, h];
    matVec4(Why, V, H, h, y);
    for (let c = 0; c < V; c++) y[c] += by[c];
    nats += negLogProb(y, V, ixs[t]);
  }
  return { nats, count: Math.max(0, ixs.length - 1), h };
}

/** −log softmax(y)[target] over the first V logits, in float64: log Σ exp(y − max) − (y[target] − max). */
export function negLogProb(y: ArrayLike<number>, V: number, target: number): number {
  let max = -Infinity;
  for (let c = 0; c < V; c++) if (y[c] > max) max = y[c];
  let sum = 0;
  for (let c = 0; c < V; c++) sum += Math.exp(y[c] - max);
  return Math.log(sum) - (y[target] - max);
}

/** out[r] = Σ_k M[r, k] · v[k] for a row-major rows×cols matrix, four rows per pass over v. */
function matVec4(M: Float64Array, rows: number, cols: number, v: Float64Array, out: Float64Array): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o0 = r * cols;
    const o1 = o0 + cols;
    const o2 = o1 + cols;
    const o3 = o2 + cols;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < cols; k++) {
      const vk = v[k];
      a0 += M[o0 + k] * vk;
      a1 += M[o1 + k] * vk;
      a2 += M[o2 + k] * vk;
      a3 += M[o3 + k] * vk;
    }
    out[r] = a0;
    out[r + 1] = a1;
    out[r + 2] = a2;
    out[r + 3] = a3;
  }
  for (; r < rows; r++) {
    const o = r * cols;
    let a = 0;
    for (let k = 0; k < cols; k++) a += M[o + k] * v[k];
    out[r] = a;
  }
}
