import { type Arena, pad4 } from './wasm.ts';

/** Params with any numeric arrays (Float64Array from src/rnn, or Float32Array), min-char-rnn's row-major layout. */
export interface ParamsLike {
  H: number;
  V: number;
  Wxh: ArrayLike<number>;
  Whh: ArrayLike<number>;
  Why: ArrayLike<number>;
  bh: ArrayLike<number>;
  by: ArrayLike<number>;
}

/** Params in float32, same layout as src/rnn/params.ts (Wxh[j*V+i], Whh[j*H+k], Why[c*H+j]). */
export interface Params32 {
  H: number;
  V: number;
  Wxh: Float32Array;
  Whh: Float32Array;
  Why: Float32Array;
  bh: Float32Array;
  by: Float32Array;
}

export function toParams32(p: ParamsLike): Params32 {
  return {
    H: p.H,
    V: p.V,
    Wxh: Float32Array.from(p.Wxh),
    Whh: Float32Array.from(p.Whh),
    Why: Float32Array.from(p.Why),
    bh: Float32Array.from(p.bh),
    by: Float32Array.from(p.by),
  };
}

/**
 * Where the weights live in an Arena, laid out for the kernels (rows of Hp or Vp floats, zero padded):
 *   WhhT[k][j] = Whh[j][k]   WxhT[i][j] = Wxh[j][i]   WhyT[j][c] = Why[c][j]   (forward: rows are inputs)
 *   Whh[j][k], Why[c][j]                                                     (backward, training only)
 */
export interface WeightPtrs {
  H: number;
  V: number;
  Hp: number;
  Vp: number;
  WhhT: number;
  WxhT: number;
  bh: number;
  WhyT: number;
  by: number;
  Whh: number;
  Why: number;
}

export function allocWeights(arena: Arena, H: number, V: number, backward: boolean): WeightPtrs {
  const Hp = pad4(H);
  const Vp = pad4(V);
  return {
    H,
    V,
    Hp,
    Vp,
    WhhT: arena.allocF32(H * Hp),
    WxhT: arena.allocF32(V * Hp),
    bh: arena.allocF32(Hp),
    WhyT: arena.allocF32(H * Vp),
    by: arena.allocF32(Vp),
    Whh: backward ? arena.allocF32(H * Hp) : 0,
    Why: backward ? arena.allocF32(V * Hp) : 0,
  };
}

/** Copies (and rounds to float32) the parameters into the kernel layout. Pads were zeroed by alloc and stay zero. */
export function writeWeights(m: Float32Array, w: WeightPtrs, p: ParamsLike): void {
  const { H, V, Hp, Vp } = w;
  if (p.H !== H || p.V !== V) throw new Error(`parameters are H=${p.H}, V=${p.V} but the kernels were built for H=${H}, V=${V}`);
  const WhhT = w.WhhT >> 2;
  const WxhT = w.WxhT >> 2;
  const WhyT = w.WhyT >> 2;
  for (let j = 0; j < H; j++) {
    for (let k = 0; k < H; k++) m[WhhT + k * Hp + j] = p.Whh[j * H + k];
    for (let i = 0; i < V; i++) m[WxhT + i * Hp + j] = p.Wxh[j * V + i];
    m[(w.bh >> 2) + j] = p.bh[j];
  }
  for (let c = 0; c < V; c++) {
    for (let j = 0; j < H; j++) m[WhyT + j * Vp + c] = p.Why[c * H + j];
    m[(w.by >> 2) + c] = p.by[c];
  }
  if (w.Whh) {
    const Whh = w.Whh >> 2;
    for (let j = 0; j < H; j++) for (let k = 0; k < H; k++) m[Whh + j * Hp + k] = p.Whh[j * H + k];
  }
  if (w.Why) {
    const Why = w.Why >> 2;
    for (let c = 0; c < V; c++) for (let j = 0; j < H; j++) m[Why + c * Hp + j] = p.Why[c * H + j];
  }
}
