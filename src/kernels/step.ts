import { allocWeights, type ParamsLike, type WeightPtrs, writeWeights } from './layout.ts';
import { type KernelBackend, type NativeIsa, newArena } from './native.ts';
import type { KernelArena } from './wasm.ts';

/**
 * The float32 sampling step for up to `capacity` streams at once (rows 0..n-1), on the native kernels or WASM SIMD:
 *   h = tanh(Wxh[:, ix] + Whh · h + bh)      step(ixs, n)
 *   y = Why · h + by                           computeLogits(n), then logitsOf(row)
 * One stream is the n = 1 case. Each row is computed by the same chain of float32 operations
 * whatever n and whatever the other rows hold, so a stream stepped in a batch produces exactly
 * the bits (and so the characters) it produces alone.
 *
 * A batch of streams runs through the kernels' tiled matrix–matrix product over weights packed once (at construction
 * and load), one stream through their matrix–vector product: the same bits either way.
 *
 * computeLogits computes Whh · h along with Why · h (one product with [WhhT | WhyT]), and a step that
 * follows it only adds the input column and the bias and applies tanh; a step without it does the
 * product itself. The two routes give the same bits.
 *
 * The weights are copied in at construction; after the parameters change, call load(params).
 */
export class RnnStepKernel {
  readonly H: number;
  readonly V: number;
  readonly capacity: number;
  private readonly arena: KernelArena;
  private readonly w: WeightPtrs;
  private hCur: number;
  private hNext: number;
  private readonly ixs: number;
  /** Rows of Hp + Vp floats: [Whh · h | Why · h + by] for the current h, valid for rows < projected. */
  private readonly sy: number;
  /** Scratch for a batch's rows packed into the tiled product's panels. */
  private readonly panels: number;
  private projected = 0;
  private readonly m: Float32Array;
  private readonly ixView: Int32Array;
  private readonly drawPtrs: { invT: number; u: number; out: number; scratch: number };
  /** Inputs and outputs of draw(): 1/T and a uniform in [0, 1) per row; the drawn index per row. */
  readonly invT: Float32Array;
  readonly uniforms: Float64Array;
  readonly draws: Int32Array;

  /** `backend` (and `isa`) pick the kernels, which tests run each; by default kernelBackend()'s pick. All give the same bits. */
  constructor(params: ParamsLike, capacity = 1, backend?: KernelBackend, isa?: NativeIsa) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive whole number, got ${capacity}`);
    this.H = params.H;
    this.V = params.V;
    this.capacity = capacity;
    this.arena = newArena(backend, isa);
    this.w = allocWeights(this.arena, params.H, params.V, 'step');
    const { Hp, Vp } = this.w;
    this.hCur = this.arena.allocF32(capacity * Hp);
    this.hNext = this.arena.allocF32(capacity * Hp);
    this.ixs = this.arena.alloc(4 * capacity);
    this.sy = this.arena.allocF32(capacity * (Hp + Vp));
    this.panels = this.arena.allocF32(this.arena.exports.panelFloats(capacity, params.H));
    const a = this.arena;
    this.drawPtrs = { invT: a.allocF32(capacity), u: a.alloc(8 * capacity), out: a.alloc(4 * capacity), scratch: a.allocF32(Vp) };
    this.m = a.f32();
    this.ixView = a.i32();
    const mem = this.m.buffer;
    this.invT = new Float32Array(mem, this.drawPtrs.invT, capacity);
    this.uniforms = new Float64Array(mem, this.drawPtrs.u, capacity);
    this.draws = new Int32Array(mem, this.drawPtrs.out, capacity);
    writeWeights(this.arena, this.w, params);
  }

  /** Copies (new values of) the parameters in, rounded to float32. */
  load(params: ParamsLike): void {
    writeWeights(this.arena, this.w, params);
    this.projected = 0;
  }

  /** Sets row `row`'s hidden state (rounded to float32). */
  setState(row: number, h: ArrayLike<number>): void {
    this.checkRow(row);
    if (h.length !== this.H) throw new RangeError(`state has ${h.length} entries, expected ${this.H}`);
    const base = (this.hCur >> 2) + row * this.w.Hp;
    for (let j = 0; j < this.H; j++) this.m[base + j] = h[j];
    this.projected = 0;
  }

  /** Row `row`'s hidden state, as float64 (exact: every float32 is a float64). */
  getState(row: number, out: Float64Array = new Float64Array(this.H)): Float64Array {
    this.checkRow(row);
    const base = (this.hCur >> 2) + row * this.w.Hp;
    out.set(this.m.subarray(base, base + this.H));
    return out;
  }

  /** Copies row `from`'s state (and its logits) over row `to`: lets a batch stay packed when a stream leaves. */
  moveRow(from: number, to: number): void {
    this.checkRow(from);
    this.checkRow(to);
    if (from === to) return;
    const { Hp, Vp } = this.w;
    const h = this.hCur >> 2;
    this.m.copyWithin(h + to * Hp, h + from * Hp, h + (from + 1) * Hp);
    const sy = this.sy >> 2;
    const M = Hp + Vp;
    this.m.copyWithin(sy + to * M, sy + from * M, sy + (from + 1) * M);
    if (from >= this.projected) this.projected = Math.min(this.projected, to);
  }

  /** Advances rows 0..n-1 by one input character each: h = tanh(Wxh[:, ixs[b]] + Whh h + bh). */
  step(ixs: ArrayLike<number>, n: number = ixs.length): void {
    this.checkCount(n);
    const base = this.ixs >> 2;
    for (let b = 0; b < n; b++) {
      const ix = ixs[b];
      if (!(ix >= 0 && ix < this.V)) throw new RangeError(`input index ${ix} is outside the vocabulary (0..${this.V - 1})`);
      this.ixView[base + b] = ix;
    }
    const { H, Hp, Vp, WhhT, ldWhhT, WxhT, bh, WhhP } = this.w;
    const e = this.arena.exports;
    if (this.projected >= n) e.finishStep(this.sy, this.hNext, this.ixs, n, Hp, Vp, WxhT, bh);
    else e.stepHidden(this.hCur, this.hNext, this.ixs, n, H, Hp, WhhT, ldWhhT, WxhT, bh, WhhP, this.panels);
    const t = this.hCur;
    this.hCur = this.hNext;
    this.hNext = t;
    this.projected = 0;
  }

  /** Reads a sequence of characters into row 0 (priming one stream). */
  prime(ixs: ArrayLike<number>): void {
    const one = [0];
    for (let t = 0; t < ixs.length; t++) {
      one[0] = ixs[t];
      this.step(one, 1);
    }
  }

  /** y = Why h + by for rows 0..n-1 (and Whh h, for the next step). */
  computeLogits(n: number): void {
    this.checkCount(n);
    const { H, Hp, Vp, WhhT, ldWhhT, by, WhhP, WhyP } = this.w;
    this.arena.exports.project(this.hCur, this.sy, n, H, Hp, Vp, WhhT, ldWhhT, by, WhhP, WhyP, this.panels);
    this.projected = n;
  }

  /**
   * Draws the next character of rows 0..n-1 from the last computeLogits: p = softmax(y / T), then the
   * first index whose cumulative probability exceeds the row's uniform (Rng.choice's rule), written to
   * draws[row]. Set invT[row] = 1/T and uniforms[row] first. In float32 with an exp good to about an ulp,
   * so p is within ~1e-6 of softmax() in float64 on the same logits.
   */
  draw(n: number): void {
    this.checkCount(n);
    const d = this.drawPtrs;
    const { Hp, Vp } = this.w;
    this.arena.exports.sampleRows(this.sy + 4 * Hp, n, this.V, Vp, Hp + Vp, d.invT, d.u, d.out, d.scratch);
  }

  /** Row `row`'s logits from the last computeLogits: a live view (V float32s), overwritten by the next call. */
  logitsOf(row: number): Float32Array {
    this.checkRow(row);
    const { Hp, Vp } = this.w;
    const start = (this.sy >> 2) + row * (Hp + Vp) + Hp;
    return this.m.subarray(start, start + this.V);
  }

  private checkRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.capacity) throw new RangeError(`row ${row} is outside 0..${this.capacity - 1}`);
  }

  private checkCount(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.capacity) throw new RangeError(`stream count ${n} is outside 0..${this.capacity}`);
  }
}
