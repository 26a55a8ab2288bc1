import { nativeElementwise } from '../kernels/native.ts';
import { adagradUpdate } from '../rnn/optim.ts';
import { PARAM_NAMES, zerosLike, type Params } from '../rnn/params.ts';
import type { TrainConfig } from './config.ts';

/**
 * An optimiser updates parameters in place from gradients and can hand over / take back its whole
 * state as named Float64Arrays (what a checkpoint stores, so a resumed run continues exactly).
 */
export interface Optimizer {
  readonly kind: string;
  update(p: Params, g: Params, lr: number): void;
  state(): Record<string, Float64Array>;
  load(state: Record<string, Float64Array>): void;
}

/** min-char-rnn's Adagrad: m += g²; θ −= lr · g / sqrt(m + 1e-8). State keys mWxh… as in the CSC321 file. */
export class Adagrad implements Optimizer {
  readonly kind = 'adagrad';
  private mem: Params;

  constructor(shape: Params) {
    this.mem = zerosLike(shape);
  }

  update(p: Params, g: Params, lr: number): void {
    adagradUpdate(p, g, this.mem, lr);
  }

  state(): Record<string, Float64Array> {
    return Object.fromEntries(PARAM_NAMES.map((n) => [`m${n}`, this.mem[n]]));
  }

  load(state: Record<string, Float64Array>): void {
    for (const n of PARAM_NAMES) copyInto(this.mem[n], state[`m${n}`], `m${n}`);
  }
}

/**
 * Adam with bias correction (Kingma & Ba), and AdamW's decoupled weight decay when weightDecay > 0:
 *   m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²
 *   m̂ = m / (1 − β1ᵗ);  v̂ = v / (1 − β2ᵗ)
 *   θ −= lr · (m̂ / (sqrt(v̂) + ε) + wd · θ)      (decay on Wxh, Whh, Why only)
 */
export class Adam implements Optimizer {
  readonly kind: 'adam' | 'adamw';
  private m: Params;
  private v: Params;
  private t = 0;

  constructor(
    shape: Params,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    private readonly weightDecay = 0,
  ) {
    this.kind = weightDecay > 0 ? 'adamw' : 'adam';
    this.m = zerosLike(shape);
    this.v = zerosLike(shape);
  }

  update(p: Params, g: Params, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this;
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const native = nativeElementwise();
    for (const name of PARAM_NAMES) {
      const theta = p[name];
      const d = g[name];
      const m = this.m[name];
      const v = this.v[name];
      const wd = name === 'bh' || name === 'by' ? 0 : weightDecay;
      // The same operations, vectorised, where the native addon is built.
      if (native) {
        native.adam(theta, d, m, v, lr, beta1, beta2, eps, c1, c2, wd);
        continue;
      }
      for (let i = 0; i < theta.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * d[i];
        v[i] = beta2 * v[i] + (1 - beta2) * d[i] * d[i];
        const mhat = m[i] / c1;
        const vhat = v[i] / c2;
        theta[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + wd * theta[i]);
      }
    }
  }

  state(): Record<string, Float64Array> {
    const s: Record<string, Float64Array> = { t: Float64Array.of(this.t) };
    for (const n of PARAM_NAMES) {
      s[`m${n}`] = this.m[n];
      s[`v${n}`] = this.v[n];
    }
    return s;
  }

  load(state: Record<string, Float64Array>): void {
    if (!state.t || state.t.length !== 1) throw new Error('Adam state lacks its step count t');
    this.t = state.t[0];
    for (const n of PARAM_NAMES) {
      copyInto(this.m[n], state[`m${n}`], `m${n}`);
      copyInto(this.v[n], state[`v${n}`], `v${n}`);
    }
  }
}

export function makeOptimizer(cfg: TrainConfig, shape: Params): Optimizer {
  if (cfg.optim === 'adagrad') return new Adagrad(shape);
  return new Adam(shape, cfg.beta1, cfg.beta2, cfg.eps, cfg.weightDecay);
}

function copyInto(dst: Float64Array, src: Float64Array | undefined, name: string): void {
  if (!src) throw new Error(`optimizer state lacks ${name}`);
  if (src.length !== dst.length) throw new Error(`optimizer state ${name} has ${src.length} entries, expected ${dst.length}`);
  dst.set(src);
}
