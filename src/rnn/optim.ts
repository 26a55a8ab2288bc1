import { PARAM_NAMES, type Params } from './params.ts';

/** Clips every gradient element to [−limit, limit] in place (min-char-rnn's np.clip(d, -5, 5)). */
export function clipGradients(g: Params, limit = 5): void {
  for (const name of PARAM_NAMES) {
    const a = g[name];
    for (let i = 0; i < a.length; i++) a[i] = a[i] > limit ? limit : a[i] < -limit ? -limit : a[i];
  }
}

/** Adagrad: m += g²; θ −= lr · g / sqrt(m + 1e-8). `mem` holds the running sums. */
export function adagradUpdate(p: Params, g: Params, mem: Params, lr: number): void {
  for (const name of PARAM_NAMES) {
    const theta = p[name];
    const d = g[name];
    const m = mem[name];
    for (let i = 0; i < theta.length; i++) {
      m[i] += d[i] * d[i];
      theta[i] -= (lr * d[i]) / Math.sqrt(m[i] + 1e-8);
    }
  }
}
