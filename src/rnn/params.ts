// The parameters of min-char-rnn, row-major in flat Float64Arrays:
//   Wxh[j*V + i]  input i  -> hidden j      (H x V)
//   Whh[j*H + k]  hidden k -> hidden j      (H x H)
//   Why[c*H + j]  hidden j -> output c      (V x H)
//   bh[j], by[c]
export interface Params {
  H: number;
  V: number;
  Wxh: Float64Array;
  Whh: Float64Array;
  Why: Float64Array;
  bh: Float64Array;
  by: Float64Array;
}

export const PARAM_NAMES = ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Shape of each parameter as [rows, cols], the numpy layout (biases are column vectors). */
export function paramShapes(H: number, V: number): Record<ParamName, [number, number]> {
  return { Wxh: [H, V], Whh: [H, H], Why: [V, H], bh: [H, 1], by: [V, 1] };
}

export function zerosLike(p: Params): Params {
  return {
    H: p.H,
    V: p.V,
    Wxh: new Float64Array(p.Wxh.length),
    Whh: new Float64Array(p.Whh.length),
    Why: new Float64Array(p.Why.length),
    bh: new Float64Array(p.bh.length),
    by: new Float64Array(p.by.length),
  };
}

export function cloneParams(p: Params): Params {
  return { H: p.H, V: p.V, Wxh: p.Wxh.slice(), Whh: p.Whh.slice(), Why: p.Why.slice(), bh: p.bh.slice(), by: p.by.slice() };
}

/** min-char-rnn's initialisation: weights ~ N(0, 1) * 0.01, biases 0. */
export function initParams(H: number, V: number, randn: () => number, scale = 0.01): Params {
  const fill = (n: number) => Float64Array.from({ length: n }, () => randn() * scale);
  return { H, V, Wxh: fill(H * V), Whh: fill(H * H), Why: fill(V * H), bh: new Float64Array(H), by: new Float64Array(V) };
}

/** Throws if any parameter holds NaN or Infinity, naming it. */
export function assertFinite(p: Params, where = 'parameters'): void {
  for (const name of PARAM_NAMES) {
    const a = p[name];
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new Error(`${where}: ${name} holds a non-finite value (${a[i]}) at flat index ${i}`);
    }
  }
}
