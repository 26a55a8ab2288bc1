// Float32 WebAssembly SIMD kernels for the vanilla RNN (AssemblyScript; built to build/kernels.wasm by
// `npm run build:kernels`, which `npm ci` runs through the `prepare` script).
//
// Memory belongs to the host: every argument that ends in a pointer name is a byte offset into this
// module's memory, where the host (src/kernels/wasm.ts) lays out row-major float32 matrices. Rows that
// are read or written four floats at a time (W and C of gemm, hidden states, logits) start 16-byte
// aligned and have a length that is a multiple of 4, padded with zeros: Hp = H rounded up to 4,
// Vp = V rounded up to 4. Padding stays zero through every kernel (tanh(0) = 0, zero bias pads).

// ---------------------------------------------------------------------------------------------
// tanh: Eigen's 13/6-degree rational approximation (a couple of ulp on [-9, 9]; ±1 beyond).

const ALPHA_1: f32 = 4.89352455891786e-3;
const ALPHA_3: f32 = 6.37261928875436e-4;
const ALPHA_5: f32 = 1.48572235717979e-5;
const ALPHA_7: f32 = 5.12229709037114e-8;
const ALPHA_9: f32 = -8.60467152213735e-11;
const ALPHA_11: f32 = 2.00018790482477e-13;
const ALPHA_13: f32 = -2.76076847742355e-16;
const BETA_0: f32 = 4.89352518554385e-3;
const BETA_2: f32 = 2.268434632439e-3;
const BETA_4: f32 = 1.18534705686654e-4;
const BETA_6: f32 = 1.19825839466702e-6;

// @ts-ignore: decorator
@inline
function tanh4(a: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(a, f32x4.splat(9.0)), f32x4.splat(-9.0));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(ALPHA_13)), f32x4.splat(ALPHA_11));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(ALPHA_9));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(ALPHA_7));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(ALPHA_5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(ALPHA_3));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(ALPHA_1));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(BETA_6)), f32x4.splat(BETA_4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(BETA_2));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(BETA_0));
  // The rational function overshoots 1 by an ulp near the clamp: keep |tanh| <= 1.
  return f32x4.pmax(f32x4.pmin(f32x4.div(p, q), f32x4.splat(1.0)), f32x4.splat(-1.0));
}

/** dst[i] = tanh(src[i]) for i < n (n a multiple of 4). For tests of the approximation. */
export function tanhArray(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), tanh4(v128.load(src + (<usize>i << 2))));
}

/** Start of the memory the host may use (nothing here allocates). */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------
// madd: c + a·b, the step of every product's chain. Built twice (package.json build:kernels): with relaxed SIMD
// it is one fused multiply-add instruction where the CPU has FMA (about 1.25× the products' speed here, and
// one rounding instead of two); without, a multiply then an add. src/kernels/wasm.ts loads the relaxed build
// when the engine accepts it.

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// ---------------------------------------------------------------------------------------------
// gemm: C[b][j] = Σ_k X[b][k] · W[k][j]   for b < nb, j < M.
//
// X element (b, k) is at x + 4·(b·xrs + k·xcs) (strides let X be a transposed view); W row k at
// w + 4·k·ldw; C row b at c + 4·b·ldc. M, ldw and ldc are multiples of 4.
//
// Every C element is one chain of float32 operations, acc = 0; acc = acc + X[b][k]·W[k][j] for
// k = 0, 1, …, K−1, whatever nb and whichever tile computes it. So a row's result does not depend
// on the other rows of the call: a stream stepped in a batch gets the bits it gets alone.

// @ts-ignore: decorator
@inline
function tile4x8(c: usize, x: usize, w: usize, K: i32, xrs4: usize, xcs4: usize, ldw4: usize, ldc4: usize, first: bool): void {
  const zero = f32x4.splat(0);
  const c1p = c + ldc4;
  const c2p = c + (ldc4 << 1);
  const c3p = c + ldc4 * 3;
  let c00 = first ? zero : v128.load(c), c01 = first ? zero : v128.load(c, 16);
  let c10 = first ? zero : v128.load(c1p), c11 = first ? zero : v128.load(c1p, 16);
  let c20 = first ? zero : v128.load(c2p), c21 = first ? zero : v128.load(c2p, 16);
  let c30 = first ? zero : v128.load(c3p), c31 = first ? zero : v128.load(c3p, 16);
  const x2 = xrs4 << 1;
  const x3 = x2 + xrs4;
  let px = x;
  let pw = w;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(pw);
    const w1 = v128.load(pw, 16);
    let s = v128.load32_splat(px);
    c00 = madd(s, w0, c00);
    c01 = madd(s, w1, c01);
    s = v128.load32_splat(px + xrs4);
    c10 = madd(s, w0, c10);
    c11 = madd(s, w1, c11);
    s = v128.load32_splat(px + x2);
    c20 = madd(s, w0, c20);
    c21 = madd(s, w1, c21);
    s = v128.load32_splat(px + x3);
    c30 = madd(s, w0, c30);
    c31 = madd(s, w1, c31);
    px += xcs4;
    pw += ldw4;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1p, c10);
  v128.store(c1p, c11, 16);
  v128.store(c2p, c20);
  v128.store(c2p, c21, 16);
  v128.store(c3p, c30);
  v128.store(c3p, c31, 16);
}

// @ts-ignore: decorator
@inline
function tile4x4(c: usize, x: usize, w: usize, K: i32, xrs4: usize, xcs4: usize, ldw4: usize, ldc4: usize, first: bool): void {
  const zero = f32x4.splat(0);
  const c1p = c + ldc4;
  const c2p = c + (ldc4 << 1);
  const c3p = c + ldc4 * 3;
  let c0 = first ? zero : v128.load(c), c1 = first ? zero : v128.load(c1p);
  let c2 = first ? zero : v128.load(c2p), c3 = first ? zero : v128.load(c3p);
  const x2 = xrs4 << 1;
  const x3 = x2 + xrs4;
  let px = x;
  let pw = w;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(pw);
    c0 = madd(v128.load32_splat(px), w0, c0);
    c1 = madd(v128.load32_splat(px + xrs4), w0, c1);
    c2 = madd(v128.load32_splat(px + x2), w0, c2);
    c3 = madd(v128.load32_splat(px + x3), w0, c3);
    px += xcs4;
    pw += ldw4;
  }
  v128.store(c, c0);
  v128.store(c1p, c1);
  v128.store(c2p, c2);
  v128.store(c3p, c3);
}

// @ts-ignore: decorator
@inline
function tile1x24(c: usize, x: usize, w: usize, K: i32, xcs4: usize, ldw4: usize, first: bool): void {
  // Six accumulators: with the six loaded vectors and the broadcast they fit V8's 15 xmm registers.
  const zero = f32x4.splat(0);
  let c0 = first ? zero : v128.load(c), c1 = first ? zero : v128.load(c, 16), c2 = first ? zero : v128.load(c, 32);
  let c3 = first ? zero : v128.load(c, 48), c4 = first ? zero : v128.load(c, 64), c5 = first ? zero : v128.load(c, 80);
  let px = x;
  let pw = w;
  for (let k = 0; k < K; k++) {
    const s = v128.load32_splat(px);
    c0 = madd(s, v128.load(pw), c0);
    c1 = madd(s, v128.load(pw, 16), c1);
    c2 = madd(s, v128.load(pw, 32), c2);
    c3 = madd(s, v128.load(pw, 48), c3);
    c4 = madd(s, v128.load(pw, 64), c4);
    c5 = madd(s, v128.load(pw, 80), c5);
    px += xcs4;
    pw += ldw4;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
}

// @ts-ignore: decorator
@inline
function tile1x8(c: usize, x: usize, w: usize, K: i32, xcs4: usize, ldw4: usize, first: bool): void {
  const zero = f32x4.splat(0);
  let c0 = first ? zero : v128.load(c), c1 = first ? zero : v128.load(c, 16);
  let px = x;
  let pw = w;
  for (let k = 0; k < K; k++) {
    const s = v128.load32_splat(px);
    c0 = madd(s, v128.load(pw), c0);
    c1 = madd(s, v128.load(pw, 16), c1);
    px += xcs4;
    pw += ldw4;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

// @ts-ignore: decorator
@inline
function tile1x4(c: usize, x: usize, w: usize, K: i32, xcs4: usize, ldw4: usize, first: bool): void {
  let c0 = first ? f32x4.splat(0) : v128.load(c);
  let px = x;
  let pw = w;
  for (let k = 0; k < K; k++) {
    c0 = madd(v128.load32_splat(px), v128.load(pw), c0);
    px += xcs4;
    pw += ldw4;
  }
  v128.store(c, c0);
}

/** C = X · W as described above (float32, k summed in order). */
export function gemm(c: usize, x: usize, w: usize, nb: i32, K: i32, M: i32, xrs: i32, xcs: i32, ldw: i32, ldc: i32): void {
  // Long sums run in chunks of KC: a chunk's W strip (KC rows × 8 columns) stays in L1 while every
  // block of 4 X rows passes over it. A chunk carries the partial sums on through C, so each element is
  // still the one in-order chain (a float32 stored and reloaded is the same float32).
  const KC = 256;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmChunk(c, x + <usize>k0 * (<usize>xcs << 2), w + <usize>k0 * (<usize>ldw << 2), nb, kc, M, xrs, xcs, ldw, ldc, k0 == 0);
  }
}

function gemmChunk(c: usize, x: usize, w: usize, nb: i32, K: i32, M: i32, xrs: i32, xcs: i32, ldw: i32, ldc: i32, first: bool): void {
  const xrs4 = <usize>xrs << 2;
  const xcs4 = <usize>xcs << 2;
  const ldw4 = <usize>ldw << 2;
  const ldc4 = <usize>ldc << 2;
  let j = 0;
  // Wide columns first: one broadcast of X feeds 8 (or 2) vector multiply-adds.
  for (; j + 8 <= M; j += 8) {
    const cj = c + (<usize>j << 2);
    const wj = w + (<usize>j << 2);
    let b = 0;
    if (nb >= 4) {
      for (; b + 4 <= nb; b += 4) tile4x8(cj + <usize>b * ldc4, x + <usize>b * xrs4, wj, K, xrs4, xcs4, ldw4, ldc4, first);
    } else if (nb == 1 && j + 24 <= M) {
      tile1x24(cj, x, wj, K, xcs4, ldw4, first);
      j += 16;
      continue;
    }
    for (; b < nb; b++) tile1x8(cj + <usize>b * ldc4, x + <usize>b * xrs4, wj, K, xcs4, ldw4, first);
  }
  for (; j < M; j += 4) {
    const cj = c + (<usize>j << 2);
    const wj = w + (<usize>j << 2);
    let b = 0;
    for (; b + 4 <= nb; b += 4) tile4x4(cj + <usize>b * ldc4, x + <usize>b * xrs4, wj, K, xrs4, xcs4, ldw4, ldc4, first);
    for (; b < nb; b++) tile1x4(cj + <usize>b * ldc4, x + <usize>b * xrs4, wj, K, xcs4, ldw4, first);
  }
}

/**
 * Packs W (K rows of M columns, row stride ldw floats; M a multiple of 4) into the column strips gemmPacked reads:
 * strip s (columns 8s … 8s+7) is K rows of 8 floats, one after the other, and a last strip of 4 columns when M is
 * not a multiple of 8 is K rows of 4. A strip is then one sequential read, where in W its rows are ldw floats apart
 * (a new cache line for every k), which is what a product with few rows (the recurrence's B streams) waits on.
 */
export function packStrips(w: usize, K: i32, M: i32, ldw: i32, dst: usize): void {
  const ldw4 = <usize>ldw << 2;
  let out = dst;
  let j = 0;
  for (; j + 8 <= M; j += 8) {
    let src = w + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      v128.store(out, v128.load(src));
      v128.store(out, v128.load(src, 16), 16);
      out += 32;
      src += ldw4;
    }
  }
  for (; j < M; j += 4) {
    let src = w + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      v128.store(out, v128.load(src));
      out += 16;
      src += ldw4;
    }
  }
}

/**
 * Packs X (nb rows of K; element (b, k) at x + 4·(b·xrs + k·xcs)) into the row panels gemmPacked's tiles read:
 * panel p is K groups of 4 floats, X[4p][k] … X[4p+3][k], one group after the other, and a last panel of fewer
 * than 4 rows is padded with zeros. A tile then finds its four broadcasts at fixed offsets from one pointer,
 * where in X each costs V8 an address computation of its own; and X transposed (xrs = 1, the weight gradients'
 * case) packs with one vector load per group, so it needs no transpose first.
 */
function packPanels(x: usize, nb: i32, K: i32, xrs: i32, xcs: i32, dst: usize): void {
  const xrs4 = <usize>xrs << 2;
  const xcs4 = <usize>xcs << 2;
  let out = dst;
  let b = 0;
  for (; b + 4 <= nb; b += 4) {
    const r0 = x + <usize>b * xrs4;
    let k = 0;
    if (xrs == 1) {
      for (; k < K; k++) {
        v128.store(out, v128.load(r0 + <usize>k * xcs4));
        out += 16;
      }
    } else if (xcs == 1) {
      // Rows are contiguous: 4×4 blocks, transposed in registers.
      const r1 = r0 + xrs4;
      const r2 = r1 + xrs4;
      const r3 = r2 + xrs4;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        const a0 = v128.load(r0 + o);
        const a1 = v128.load(r1 + o);
        const a2 = v128.load(r2 + o);
        const a3 = v128.load(r3 + o);
        const lo01 = f32x4.shuffle(a0, a1, 0, 4, 1, 5);
        const lo23 = f32x4.shuffle(a2, a3, 0, 4, 1, 5);
        const hi01 = f32x4.shuffle(a0, a1, 2, 6, 3, 7);
        const hi23 = f32x4.shuffle(a2, a3, 2, 6, 3, 7);
        v128.store(out, f32x4.shuffle(lo01, lo23, 0, 1, 4, 5));
        v128.store(out, f32x4.shuffle(lo01, lo23, 2, 3, 6, 7), 16);
        v128.store(out, f32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 32);
        v128.store(out, f32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 48);
        out += 64;
      }
    }
    for (; k < K; k++) {
      const e = r0 + <usize>k * xcs4;
      store<f32>(out, load<f32>(e));
      store<f32>(out, load<f32>(e + xrs4), 4);
      store<f32>(out, load<f32>(e + (xrs4 << 1)), 8);
      store<f32>(out, load<f32>(e + xrs4 * 3), 12);
      out += 16;
    }
  }
  if (b < nb) {
    const rows = nb - b;
    const r0 = x + <usize>b * xrs4;
    for (let k = 0; k < K; k++) {
      const e = r0 + <usize>k * xcs4;
      for (let i = 0; i < 4; i++) store<f32>(out + (<usize>i << 2), i < rows ? load<f32>(e + <usize>i * xrs4) : 0);
      out += 16;
    }
  }
}

// @ts-ignore: decorator
@inline
function loadRow(p: usize, keep: bool): v128 {
  return keep ? v128.load(p) : f32x4.splat(0);
}

/**
 * C rows 0..rows−1 (of a 4-row panel) × 8 columns += the panel's K groups times a strip's K rows of 8 (or = when first).
 * The accumulators are the same chains as tile4x8's; the padding rows of a last panel are computed and not stored.
 */
// @ts-ignore: decorator
@inline
function panelTile4x8(c: usize, xp: usize, w: usize, K: i32, ldc4: usize, rows: i32, first: bool): void {
  const c1p = c + ldc4;
  const c2p = c + (ldc4 << 1);
  const c3p = c + ldc4 * 3;
  let c00 = loadRow(c, !first), c01 = loadRow(c + 16, !first);
  let c10 = loadRow(c1p, !first && rows > 1), c11 = loadRow(c1p + 16, !first && rows > 1);
  let c20 = loadRow(c2p, !first && rows > 2), c21 = loadRow(c2p + 16, !first && rows > 2);
  let c30 = loadRow(c3p, !first && rows > 3), c31 = loadRow(c3p + 16, !first && rows > 3);
  let px = xp;
  let pw = w;
  const end = w + (<usize>K << 5);
  while (pw < end) {
    const w0 = v128.load(pw);
    const w1 = v128.load(pw, 16);
    let s = v128.load32_splat(px);
    c00 = madd(s, w0, c00);
    c01 = madd(s, w1, c01);
    s = v128.load32_splat(px, 4);
    c10 = madd(s, w0, c10);
    c11 = madd(s, w1, c11);
    s = v128.load32_splat(px, 8);
    c20 = madd(s, w0, c20);
    c21 = madd(s, w1, c21);
    s = v128.load32_splat(px, 12);
    c30 = madd(s, w0, c30);
    c31 = madd(s, w1, c31);
    px += 16;
    pw += 32;
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  if (rows > 1) {
    v128.store(c1p, c10);
    v128.store(c1p, c11, 16);
  }
  if (rows > 2) {
    v128.store(c2p, c20);
    v128.store(c2p, c21, 16);
  }
  if (rows > 3) {
    v128.store(c3p, c30);
    v128.store(c3p, c31, 16);
  }
}

/** panelTile4x8 for the 4-column strip. */
// @ts-ignore: decorator
@inline
function panelTile4x4(c: usize, xp: usize, w: usize, K: i32, ldc4: usize, rows: i32, first: bool): void {
  const c1p = c + ldc4;
  const c2p = c + (ldc4 << 1);
  const c3p = c + ldc4 * 3;
  let c0 = loadRow(c, !first);
  let c1 = loadRow(c1p, !first && rows > 1);
  let c2 = loadRow(c2p, !first && rows > 2);
  let c3 = loadRow(c3p, !first && rows > 3);
  let px = xp;
  let pw = w;
  const end = w + (<usize>K << 4);
  while (pw < end) {
    const w0 = v128.load(pw);
    c0 = madd(v128.load32_splat(px), w0, c0);
    c1 = madd(v128.load32_splat(px, 4), w0, c1);
    c2 = madd(v128.load32_splat(px, 8), w0, c2);
    c3 = madd(v128.load32_splat(px, 12), w0, c3);
    px += 16;
    pw += 16;
  }
  v128.store(c, c0);
  if (rows > 1) v128.store(c1p, c1);
  if (rows > 2) v128.store(c2p, c2);
  if (rows > 3) v128.store(c3p, c3);
}

// Strip rows per chunk in gemmPacked: a packed strip is sequential, so longer chunks than gemm's cost little L1.
const PACKED_KC = 512;

/** Floats of scratch gemmPacked needs for X's panels: nb rows rounded up to 4, times K. */
export function panelFloats(nb: i32, K: i32): i32 {
  return ((nb + 3) & ~3) * K;
}

/**
 * C = X · W with W packed by packStrips (same K and M): the same float32 chains as gemm, so the same bits.
 * X (strides as in gemm) is first packed into row panels in xp (panelFloats(nb, K) floats).
 */
export function gemmPacked(c: usize, x: usize, wp: usize, nb: i32, K: i32, M: i32, xrs: i32, xcs: i32, ldc: i32, KC: i32, xp: usize): void {
  packPanels(x, nb, K, xrs, xcs, xp);
  gemmPanels(c, xp, wp, nb, K, M, ldc, KC);
}

/** C = X · W with both packed: X into panels (packPanels), W into strips (packStrips). */
function gemmPanels(c: usize, xp: usize, wp: usize, nb: i32, K: i32, M: i32, ldc: i32, KC: i32): void {
  // As in gemm, long sums run in chunks of KC rows of the strips, so a chunk of a strip stays in L1 while
  // every panel passes over it; the partial sums carry on through C.
  for (let k0 = 0; k0 < K; k0 += KC) gemmPackedChunk(c, xp, wp, nb, K, M, k0, min(KC, K - k0), ldc);
}

/** Floats of packStrips's copy of a K × M matrix (M a multiple of 4). */
export function packedFloats(K: i32, M: i32): i32 {
  return K * M;
}

function gemmPackedChunk(c: usize, xp: usize, wp: usize, nb: i32, K: i32, M: i32, k0: i32, kc: i32, ldc: i32): void {
  const ldc4 = <usize>ldc << 2;
  const panelBytes = <usize>K << 4;
  const xk = xp + (<usize>k0 << 4);
  const first = k0 == 0;
  let j = 0;
  let strip = wp + (<usize>k0 << 5);
  for (; j + 8 <= M; j += 8) {
    const cj = c + (<usize>j << 2);
    let px = xk;
    for (let b = 0; b < nb; b += 4) {
      panelTile4x8(cj + <usize>b * ldc4, px, strip, kc, ldc4, nb - b, first);
      px += panelBytes;
    }
    strip += <usize>K << 5;
  }
  // The 4-column strip (M not a multiple of 8) has rows of 16 bytes: its chunk starts k0·16 bytes in, not k0·32.
  strip = strip - (<usize>k0 << 5) + (<usize>k0 << 4);
  for (; j < M; j += 4) {
    const cj = c + (<usize>j << 2);
    let px = xk;
    for (let b = 0; b < nb; b += 4) {
      panelTile4x4(cj + <usize>b * ldc4, px, strip, kc, ldc4, nb - b, first);
      px += panelBytes;
    }
  }
}

/** C = X · W through a packed copy of W in pack (K·M floats): for products whose W is read once per call. */
function gemmViaPack(c: usize, x: usize, w: usize, nb: i32, K: i32, M: i32, xrs: i32, xcs: i32, ldw: i32, ldc: i32, pack: usize, xp: usize): void {
  packStrips(w, K, M, ldw, pack);
  gemmPacked(c, x, pack, nb, K, M, xrs, xcs, ldc, PACKED_KC, xp);
}

/** dst[c][r] = src[r][c] for r < rows, c < cols (row strides lds, ldd in floats), in 16×16 blocks for the caches. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32, lds: i32, ldd: i32): void {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(r0 + 16, rows);
    for (let c0 = 0; c0 < cols; c0 += 16) {
      const c1 = min(c0 + 16, cols);
      for (let r = r0; r < r1; r++) {
        const srow = src + (<usize>(r * lds) << 2);
        for (let c = c0; c < c1; c++) store<f32>(dst + (<usize>(c * ldd + r) << 2), load<f32>(srow + (<usize>c << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The RNN step, for nb streams at once (rows of hin/hout/y are streams).

/** rows[b] = tanh((WxhT[ixs[b]] + rows[b]) + bh): the input column and bias added to Whh·h, in min-char-rnn's order. */
function addInputTanh(rows: usize, ixs: usize, nb: i32, Hp: i32, WxhT: usize, bh: usize): void {
  const rowBytes = <usize>Hp << 2;
  for (let b = 0; b < nb; b++) {
    const r = rows + <usize>b * rowBytes;
    const col = WxhT + <usize>load<i32>(ixs + (<usize>b << 2)) * rowBytes;
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const pre = f32x4.add(f32x4.add(v128.load(col + j), v128.load(r + j)), v128.load(bh + j));
      v128.store(r + j, tanh4(pre));
    }
  }
}

/** rows[b] += by */
function addBias(rows: usize, nb: i32, Vp: i32, by: usize): void {
  const rowBytes = <usize>Vp << 2;
  for (let b = 0; b < nb; b++) {
    const r = rows + <usize>b * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(r + c, f32x4.add(v128.load(r + c), v128.load(by + c)));
  }
}

// Batches of at least GEMM_ROWS streams step through the tiled product over weights packed once at load (WhhP, WhyP
// from packStrips, 0 when there are none); fewer run gemm on the weights as laid out, whose one-row tile wastes no
// rows. Either route computes the same chains, so the same bits.
const GEMM_ROWS = 2;

/**
 * For streams b < nb:  hout[b] = tanh(Wxh[:, ixs[b]] + Whh · hin[b] + bh).
 * WhhT is Whh transposed (H rows, row stride ldWhhT), WxhT is Wxh transposed (V rows of Hp). hin and hout must not overlap.
 * WhhP is WhhT packed (or 0); xp is scratch for panelFloats(nb, H) floats.
 */
export function stepHidden(hin: usize, hout: usize, ixs: usize, nb: i32, H: i32, Hp: i32, WhhT: usize, ldWhhT: i32, WxhT: usize, bh: usize, WhhP: usize, xp: usize): void {
  if (nb < GEMM_ROWS || WhhP == 0) gemm(hout, hin, WhhT, nb, H, Hp, Hp, 1, ldWhhT, Hp);
  else gemmPacked(hout, hin, WhhP, nb, H, Hp, Hp, 1, Hp, PACKED_KC, xp);
  addInputTanh(hout, ixs, nb, Hp, WxhT, bh);
}

/** For streams b < nb:  y[b] = Why · h[b] + by.  WhyT is Why transposed (H rows, row stride ldWhyT). */
export function logits(h: usize, y: usize, nb: i32, H: i32, Hp: i32, Vp: i32, WhyT: usize, ldWhyT: i32, by: usize): void {
  gemm(y, h, WhyT, nb, H, Vp, Hp, 1, ldWhyT, Vp);
  addBias(y, nb, Vp, by);
}

/**
 * Both products of the generation step in one pass over h, for streams b < nb: with W = [WhhT | WhyT]
 * (H rows of Hp + Vp, row stride ldW), row b of sy becomes [Whh · h[b] | Why · h[b] + by]. The elements are the same
 * float32 chains as stepHidden's and logits', so either route gives the same bits.
 * WhhP, WhyP are WhhT and WhyT packed (or 0); xp is scratch for panelFloats(nb, H) floats.
 */
export function project(h: usize, sy: usize, nb: i32, H: i32, Hp: i32, Vp: i32, Wcat: usize, ldW: i32, by: usize, WhhP: usize, WhyP: usize, xp: usize): void {
  const M = Hp + Vp;
  if (nb < GEMM_ROWS || WhhP == 0 || WhyP == 0) {
    gemm(sy, h, Wcat, nb, H, M, Hp, 1, ldW, M);
  } else {
    packPanels(h, nb, H, Hp, 1, xp);
    gemmPanels(sy, xp, WhhP, nb, H, Hp, M, PACKED_KC);
    gemmPanels(sy + (<usize>Hp << 2), xp, WhyP, nb, H, Vp, M, PACKED_KC);
  }
  const rowBytes = <usize>M << 2;
  const yOff = <usize>Hp << 2;
  const yBytes = <usize>Vp << 2;
  for (let b = 0; b < nb; b++) {
    const r = sy + <usize>b * rowBytes + yOff;
    for (let c: usize = 0; c < yBytes; c += 16) v128.store(r + c, f32x4.add(v128.load(r + c), v128.load(by + c)));
  }
}

/** After project: hout[b] = tanh((Wxh[:, ixs[b]] + (Whh · h)[b]) + bh), the rest of the step. */
export function finishStep(sy: usize, hout: usize, ixs: usize, nb: i32, Hp: i32, Vp: i32, WxhT: usize, bh: usize): void {
  const rowBytes = <usize>(Hp + Vp) << 2;
  const hBytes = <usize>Hp << 2;
  for (let b = 0; b < nb; b++) {
    const s = sy + <usize>b * rowBytes;
    const r = hout + <usize>b * hBytes;
    const col = WxhT + <usize>load<i32>(ixs + (<usize>b << 2)) * hBytes;
    for (let j: usize = 0; j < hBytes; j += 16) {
      const pre = f32x4.add(f32x4.add(v128.load(col + j), v128.load(s + j)), v128.load(bh + j));
      v128.store(r + j, tanh4(pre));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Training: forward and backward over T steps of B streams. Row n = t·B + b of each buffer below
// belongs to stream b at time t.
//   hs  (T+1)·B rows of Hp: hs[0..B) = hprev, hs rows of step t+1 = h_t
//   xs, targets  T·B int32
//   ys  T·B rows of Vp: logits, then probabilities, then dy = p − onehot(target)
//   dhraw  T·B rows of Hp;  dhout  T·B rows of Hp (Whyᵀ dy);  dhnext  B rows of Hp

/**
 * The forward recurrence h_t = tanh(Wxh x_t + Whh h_{t−1} + bh) for all t, then y_t = Why h_t + by for all rows at once.
 * With a dropout mask (mask ≠ 0: T·B rows of Hp, each 0 or 1/(1−p)), the output layer reads hd = h ⊙ mask instead of h;
 * the recurrence itself is never dropped (Zaremba et al.: dropout on the non-recurrent connections only).
 * packed is scratch for packStrips: max(H, V, T·B) · max(Hp, Vp) floats; panels is scratch for gemmPacked's row
 * panels: the largest panelFloats of the products (src/kernels/batched-trainer.ts sizes it).
 */
export function trainForward(
  hs: usize, xs: usize, ys: usize, T: i32, B: i32, H: i32, Hp: i32, Vp: i32,
  WhhT: usize, WxhT: usize, bh: usize, WhyT: usize, by: usize, mask: usize, hd: usize, packed: usize, panels: usize,
): void {
  const stepBytes = <usize>(B * Hp) << 2;
  // The T steps all read WhhT: packed once into strips, each step's product reads them sequentially.
  packStrips(WhhT, H, Hp, Hp, packed);
  for (let t = 0; t < T; t++) {
    const hprev = hs + <usize>t * stepBytes;
    const hnext = hprev + stepBytes;
    gemmPacked(hnext, hprev, packed, B, H, Hp, Hp, 1, Hp, PACKED_KC, panels);
    addInputTanh(hnext, xs + (<usize>(t * B) << 2), B, Hp, WxhT, bh);
  }
  gemmViaPack(ys, outputRows(hs + stepBytes, mask, hd, <usize>T * stepBytes), WhyT, T * B, H, Vp, Hp, 1, Vp, Vp, packed, panels);
  addBias(ys, T * B, Vp, by);
}

/** The rows the output layer reads: h itself, or hd = h ⊙ mask when there is a mask. */
function outputRows(h: usize, mask: usize, hd: usize, bytes: usize): usize {
  if (mask == 0) return h;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(hd + i, f32x4.mul(v128.load(h + i), v128.load(mask + i)));
  return hd;
}

/**
 * Turns logits rows into dy = softmax(y) − onehot(target) in place; returns the summed loss −Σ log p[target] (nats).
 * Four columns at a time with exp4; the padding lanes (columns V..Vp−1) take no part and stay 0, since dby sums whole rows.
 */
export function softmaxLoss(ys: usize, targets: usize, N: i32, V: i32, Vp: i32): f64 {
  let loss: f64 = 0;
  const rowBytes = <usize>Vp << 2;
  const lastBytes = rowBytes - 16; // the last vector holds the padding lanes, if any
  // Lane c of the last vector is a real column when lastCol + c < V.
  const lastCol = Vp - 4;
  const real = i32x4.lt_s(i32x4.add(i32x4.splat(lastCol), i32x4(0, 1, 2, 3)), i32x4.splat(V));
  const negInf = f32x4.splat(-Infinity);
  for (let n = 0; n < N; n++) {
    const r = ys + <usize>n * rowBytes;
    let vmax = v128.bitselect(v128.load(r + lastBytes), negInf, real);
    for (let c: usize = 0; c < lastBytes; c += 16) vmax = f32x4.max(vmax, v128.load(r + c));
    const max = Mathf.max(Mathf.max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), Mathf.max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
    const m = f32x4.splat(max);
    const pt = r + (<usize>load<i32>(targets + (<usize>n << 2)) << 2);
    const yt = load<f32>(pt) - max;
    let vsum = f32x4.splat(0);
    for (let c: usize = 0; c < rowBytes; c += 16) {
      let e = exp4(f32x4.sub(v128.load(r + c), m));
      if (c == lastBytes) e = v128.and(e, real);
      v128.store(r + c, e);
      vsum = f32x4.add(vsum, e);
    }
    const sum = <f64>f32x4.extract_lane(vsum, 0) + <f64>f32x4.extract_lane(vsum, 1) + <f64>f32x4.extract_lane(vsum, 2) + <f64>f32x4.extract_lane(vsum, 3);
    // −log p[target] = log Σ exp(y − max) − (y[target] − max)
    loss += Math.log(sum) - <f64>yt;
    const inv = f32x4.splat(<f32>(1.0 / sum));
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(r + c, f32x4.mul(v128.load(r + c), inv));
    store<f32>(pt, load<f32>(pt) - 1);
  }
  return loss;
}

/**
 * BPTT over T steps of B streams, after trainForward and softmaxLoss:
 *   dh = Whyᵀ dy + dhnext;  dhraw = (1 − h²) ⊙ dh;  dhnext = Whhᵀ dhraw
 * then the weight gradients over all rows at once:
 *   dWhh = Σ dhraw h_{t−1}ᵀ (H rows of Hp);  dWhy = Σ dy hᵀ (V rows of Hp);  dWxhT[x] += dhraw (V rows of Hp);
 *   dbh = Σ dhraw;  dby = Σ dy.
 * Why is V rows of Hp, Whh is H rows of Hp (both untransposed). Gradient buffers are overwritten.
 * dhextra (0 for none): N rows of Hp added to dh at each step after the mask, the gradient of a loss term on the states.
 * packed and panels are scratch, as in trainForward.
 */
export function trainBackward(
  hs: usize, xs: usize, ys: usize, dhout: usize, dhraw: usize, dhnext: usize,
  T: i32, B: i32, H: i32, Hp: i32, V: i32, Vp: i32, Whh: usize, Why: usize,
  dWhh: usize, dWxhT: usize, dWhy: usize, dbh: usize, dby: usize, mask: usize, hd: usize, dhextra: usize, packed: usize, panels: usize,
): void {
  const N = T * B;
  const stepBytes = <usize>(B * Hp) << 2;
  const rowBytes = <usize>Hp << 2;
  // dh from the outputs, for every row at once: dhout = dy · Why (⊙ mask, when the output layer read h ⊙ mask)
  gemmViaPack(dhout, ys, Why, N, V, Hp, Vp, 1, Hp, Hp, packed, panels);
  if (mask != 0) {
    const bytes = <usize>N * rowBytes;
    for (let i: usize = 0; i < bytes; i += 16) v128.store(dhout + i, f32x4.mul(v128.load(dhout + i), v128.load(mask + i)));
  }
  // A loss term on the states themselves (the norm stabiliser), given per row: dhout += dhextra
  if (dhextra != 0) {
    const bytes = <usize>N * rowBytes;
    for (let i: usize = 0; i < bytes; i += 16) v128.store(dhout + i, f32x4.add(v128.load(dhout + i), v128.load(dhextra + i)));
  }
  memory.fill(dhnext, 0, stepBytes);
  packStrips(Whh, H, Hp, Hp, packed);
  for (let t = T - 1; t >= 0; t--) {
    const off = <usize>t * stepBytes;
    const h = hs + off + stepBytes;
    const dho = dhout + off;
    const dr = dhraw + off;
    for (let i: usize = 0; i < stepBytes; i += 16) {
      const dh = f32x4.add(v128.load(dho + i), v128.load(dhnext + i));
      const hv = v128.load(h + i);
      v128.store(dr + i, f32x4.mul(f32x4.sub(f32x4.splat(1), f32x4.mul(hv, hv)), dh));
    }
    if (t > 0) gemmPacked(dhnext, dr, packed, B, H, Hp, Hp, 1, Hp, PACKED_KC, panels);
  }
  // dWhh[j][k] = Σ_n dhraw[n][j] · hprev[n][k]: X is dhraw transposed (xrs = 1, xcs = Hp), which the row panels
  // pack straight from dhraw.
  gemmViaPack(dWhh, dhraw, hs, H, N, Hp, 1, Hp, Hp, Hp, packed, panels);
  // dWhy[c][j] = Σ_n dy[n][c] · h[n][j]  (hd, the masked h, under dropout)
  gemmViaPack(dWhy, ys, mask != 0 ? hd : hs + stepBytes, V, N, Hp, 1, Vp, Hp, Hp, packed, panels);
  // dWxhT[x_n] += dhraw[n];  dbh = Σ dhraw
  memory.fill(dWxhT, 0, <usize>V * rowBytes);
  memory.fill(dbh, 0, rowBytes);
  for (let n = 0; n < N; n++) {
    const dr = dhraw + <usize>n * rowBytes;
    const col = dWxhT + <usize>load<i32>(xs + (<usize>n << 2)) * rowBytes;
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const d = v128.load(dr + j);
      v128.store(col + j, f32x4.add(v128.load(col + j), d));
      v128.store(dbh + j, f32x4.add(v128.load(dbh + j), d));
    }
  }
  // dby = Σ dy
  const yBytes = <usize>Vp << 2;
  memory.fill(dby, 0, yBytes);
  for (let n = 0; n < N; n++) {
    const r = ys + <usize>n * yBytes;
    for (let c: usize = 0; c < yBytes; c += 16) v128.store(dby + c, f32x4.add(v128.load(dby + c), v128.load(r + c)));
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling: softmax with temperature and one draw per row, for the generation loop.

// @ts-ignore: decorator
@inline
function exp4(a: v128): v128 {
  // Cephes' expf: exp(x) = 2^n · exp(r), n = round(x / ln 2), r = x − n ln 2 (in two parts), exp(r) by a
  // degree-6 polynomial; about an ulp. Inputs here are ≤ 0; below −87.3 they clamp (exp ≈ 1e−38, i.e. 0).
  const x = f32x4.pmax(a, f32x4.splat(-87.3));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504089)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(1.9875691500e-4), r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** dst[i] = exp(src[i]) for i < n (n a multiple of 4, src ≤ 0). For tests of the approximation. */
export function expArray(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), exp4(v128.load(src + (<usize>i << 2))));
}

/**
 * For rows b < nb of y (row stride ldy floats, V used): e = exp((y − max y) / T_b), and out[b] = the first index i
 * with u_b · Σe < e_0 + … + e_i, that is rng.choice's rule on p = e / Σe with the uniform u_b (float64);
 * if rounding leaves no such i, the last index with e_i > 0. invT[b] = 1/T_b (float32), scratch holds Vp floats.
 */
export function sampleRows(y: usize, nb: i32, V: i32, Vp: i32, ldy: i32, invT: usize, u: usize, out: usize, scratch: usize): void {
  const rowBytes = <usize>Vp << 2;
  const ldyBytes = <usize>ldy << 2;
  const vBytes = <usize>V << 2;
  for (let b = 0; b < nb; b++) {
    const r = y + <usize>b * ldyBytes;
    let top: f32 = load<f32>(r);
    for (let c: usize = 4; c < vBytes; c += 4) top = Mathf.max(top, load<f32>(r + c));
    const vmax = f32x4.splat(top);
    const vinv = v128.load32_splat(invT + (<usize>b << 2));
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(scratch + c, exp4(f32x4.mul(f32x4.sub(v128.load(r + c), vmax), vinv)));
    let sum: f64 = 0;
    for (let c: usize = 0; c < vBytes; c += 4) sum += <f64>load<f32>(scratch + c);
    const target = load<f64>(u + (<usize>b << 3)) * sum;
    let acc: f64 = 0;
    let pick = -1;
    for (let c = 0; c < V; c++) {
      acc += <f64>load<f32>(scratch + (<usize>c << 2));
      if (target < acc) {
        pick = c;
        break;
      }
    }
    if (pick < 0) {
      pick = V - 1;
      while (pick > 0 && load<f32>(scratch + (<usize>pick << 2)) == 0) pick--;
    }
    store<i32>(out + (<usize>b << 2), pick);
  }
}
