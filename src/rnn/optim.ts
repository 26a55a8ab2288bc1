import { PARAM_NAMES, type Params } from './params.ts';

/** Clips every gradient element to [−limit, limit] in place (min-char-rnn's np.clip(d, -5, 5)). */
export function clipGradients(g: Params, limit = 5): void {
  for (const name of PARAM_NAMES) {
    const a = g[name];
    for (let i = 0; i < a.length; i++) {
      // Writes only what it clips: most elements are inside, and a store per element costs more than the test.
      const v = a[i];
      if (v > limit) a[i] = limit;
      else if (v < -limit) a[i] = -limit;
    }
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
