import { pad4, type KernelArena } from './wasm.ts';

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

export function zeroParams32(H: number, V: number): Params32 {
  return { H, V, Wxh: new Float32Array(H * V), Whh: new Float32Array(H * H), Why: new Float32Array(V * H), bh: new Float32Array(H), by: new Float32Array(V) };
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
 * Where the weights live in an arena, laid out for the kernels (rows padded with zeros to Hp or Vp floats):
 *   WhhT[k][j] = Whh[j][k]   WxhT[i][j] = Wxh[j][i]   WhyT[j][c] = Why[c][j]   (forward: rows are inputs)
 *   Whh[j][k], Why[c][j]                                                     (backward, training only)
 * For stepping, WhhT and WhyT sit side by side in one matrix [WhhT | WhyT] (row stride Hp + Vp rounded up to 16), so one
 * product gives both Whh·h and Why·h, and each is also packed once (WhhP, WhyP: the kernels' packStrips) for the
 * tiled product of a batch; for training they are separate (row strides Hp and Vp) and packed by each call.
 */
export interface WeightPtrs {
  H: number;
  V: number;
  Hp: number;
  Vp: number;
  WhhT: number;
  ldWhhT: number;
  WxhT: number;
  bh: number;
  WhyT: number;
  ldWhyT: number;
  by: number;
  Whh: number;
  Why: number;
  /** WhhT and WhyT packed into the kernels' column strips (step mode; 0 in training). */
  WhhP: number;
  WhyP: number;
  /** Staging area: Wxh, Whh, Why as given (row-major, unpadded), transposed from here by the kernel. */
  raw: number;
}

export function allocWeights(arena: KernelArena, H: number, V: number, mode: 'step' | 'train'): WeightPtrs {
  const Hp = pad4(H);
  const Vp = pad4(V);
  const train = mode === 'train';
  // [WhhT | WhyT]'s rows start on cache lines (a stride of 16 floats): one stream's product reads every row whole,
  // and a 64-byte vector load across two lines costs two.
  const ldCat = (Hp + Vp + 15) & ~15;
  const Wcat = train ? 0 : arena.allocF32(H * ldCat);
  return {
    H,
    V,
    Hp,
    Vp,
    WhhT: train ? arena.allocF32(H * Hp) : Wcat,
    ldWhhT: train ? Hp : ldCat,
    WxhT: arena.allocF32(V * Hp),
    bh: arena.allocF32(Hp),
    WhyT: train ? arena.allocF32(H * Vp) : Wcat + 4 * Hp,
    ldWhyT: train ? Vp : ldCat,
    by: arena.allocF32(Vp),
    Whh: train ? arena.allocF32(H * Hp) : 0,
    Why: train ? arena.allocF32(V * Hp) : 0,
    WhhP: train ? 0 : arena.allocF32(arena.exports.packedFloats(H, Hp)),
    WhyP: train ? 0 : arena.allocF32(arena.exports.packedFloats(H, Vp)),
    raw: arena.allocF32(H * V + H * H + V * H),
  };
}

/** Copies (and rounds to float32) the parameters into the kernel layout. Pads were zeroed by alloc and stay zero. */
export function writeWeights(arena: KernelArena, w: WeightPtrs, p: ParamsLike): void {
  const { H, V, Hp, Vp } = w;
  if (p.H !== H || p.V !== V) throw new Error(`parameters are H=${p.H}, V=${p.V} but the kernels were built for H=${H}, V=${V}`);
  const sizes = { Wxh: H * V, Whh: H * H, Why: V * H, bh: H, by: V } as const;
  for (const [name, n] of Object.entries(sizes)) {
    const got = p[name as keyof typeof sizes].length;
    if (got !== n) throw new Error(`parameter ${name} has ${got} entries, expected ${n} for H=${H}, V=${V}`);
  }
  const m = arena.f32();
  // Stage the row-major matrices as they are (a typed-array set converts float64 to float32 natively),
  // then let the kernel transpose them into place.
  const rawWxh = w.raw;
  const rawWhh = rawWxh + 4 * H * V;
  const rawWhy = rawWhh + 4 * H * H;
  m.set(p.Wxh, rawWxh >> 2);
  m.set(p.Whh, rawWhh >> 2);
  m.set(p.Why, rawWhy >> 2);
  m.set(p.bh, w.bh >> 2);
  m.set(p.by, w.by >> 2);
  const e = arena.exports;
  e.transpose(rawWxh, w.WxhT, H, V, V, Hp); // WxhT[i][j] = Wxh[j][i]
  e.transpose(rawWhh, w.WhhT, H, H, H, w.ldWhhT); // WhhT[k][j] = Whh[j][k]
  e.transpose(rawWhy, w.WhyT, V, H, H, w.ldWhyT); // WhyT[j][c] = Why[c][j]
  if (w.WhhP) e.packStrips(w.WhhT, H, Hp, w.ldWhhT, w.WhhP);
  if (w.WhyP) e.packStrips(w.WhyT, H, Vp, w.ldWhyT, w.WhyP);
  if (w.Whh) for (let j = 0; j < H; j++) m.copyWithin((w.Whh >> 2) + j * Hp, (rawWhh >> 2) + j * H, (rawWhh >> 2) + (j + 1) * H);
  if (w.Why) for (let c = 0; c < V; c++) m.copyWithin((w.Why >> 2) + c * Hp, (rawWhy >> 2) + c * H, (rawWhy >> 2) + (c + 1) * H);
}
