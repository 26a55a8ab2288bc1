/**
 * Batched float32 training kernels (WASM SIMD, or the native ones of native.ts): forward and backward (BPTT)
 * for B streams × T steps, with every product a matrix–matrix one (the recurrence steps all B streams at
 * once; the output layer and the weight gradients run over all B·T rows at once).
 *
 * API (stable):
 *
 *   const trainer = createBatchedTrainer(H, V, B, T);
 *   const { loss, grads, h } = trainer.lossAndGrads(params, inputs, targets, hprev);
 *
 *   params   min-char-rnn parameters (src/rnn/params.ts layout: Wxh[j*V+i], Whh[j*H+k], Why[c*H+j], bh, by),
 *            Float64Array or Float32Array fields; rounded to float32 on the way in.
 *   inputs, targets   B sequences of T character indices each: either an array of B arrays, or one flat
 *            array with stream b's step t at [b*T + t] (an Int32Array, say).
 *   hprev    the B streams' states before the window, flat: stream b at [b*H, (b+1)*H).
 *   loss     cross-entropy summed over all B·T characters, in nats (float64 sum of float32 terms).
 *   grads    Params32 (Float32Array fields, same layout as params): gradients of that summed loss, i.e. the
 *            sum over streams of min-char-rnn's lossFun gradients; not clipped. Fresh arrays on each call.
 *   h        Float32Array B×H: each stream's state after its last input, to carry into the next window.
 *   mask     optional dropout mask on the output layer's input, B·T·H values (stream b, step t, unit j at
 *            [(b*T + t)*H + j]), each 0 or 1/(1−p): y_t = Why (h_t ⊙ mask_t) + by. The recurrence is not dropped.
 *   normBeta optional β of the norm stabiliser (src/train/norm-stabiliser.ts): its gradient joins grads, and
 *            its value is returned as `penalty` (loss stays the cross-entropy alone).
 *   into     optional Params32 for the gradients instead of fresh arrays (a caller that copies them on each step
 *            saves allocating 4(HV + H² + VH) bytes; the parallel trainer's worker writes straight to shared memory).
 *
 * Stream b's loss and gradients are those of lossFun(params, inputs[b], targets[b], hprev[b]) computed in
 * float32 (test/kernels/batched-trainer.test.ts checks them against the float64 reference).
 * One trainer holds its buffers for its (H, V, B, T); it is not safe to share between concurrent callers.
 *
 * Options: createBatchedTrainer(H, V, B, T, { threads: 2 }) splits the streams over this thread and a
 * worker thread (same synchronous call; the caller blocks until both halves are done). Call
 * trainer.close() when done with it (the worker is unref'd, so a forgotten one does not hold the process).
 */
import { allocWeights, type Params32, type ParamsLike, type WeightPtrs, writeWeights, zeroParams32 } from './layout.ts';
import { copyIndexBatch } from './index-batch.ts';
import { normStabiliser } from '../train/norm-stabiliser.ts';
import { ParallelBatchedTrainer } from './parallel-trainer.ts';
import { type KernelBackend, kernelBackend, type NativeIsa, newArena } from './native.ts';
import { Arena, KernelsMissingError, type KernelArena } from './wasm.ts';

export type { Params32 } from './layout.ts';

export type IndexBatch = ArrayLike<ArrayLike<number>> | ArrayLike<number>;

export interface BatchedLoss {
  loss: number;
  /** The norm stabiliser's term, summed over the streams (0 without it). */
  penalty: number;
  grads: Params32;
  h: Float32Array;
}

export interface BatchedTrainer {
  readonly H: number;
  readonly V: number;
  readonly B: number;
  readonly T: number;
  lossAndGrads(params: ParamsLike, inputs: IndexBatch, targets: IndexBatch, hprev: ArrayLike<number>, mask?: ArrayLike<number>, normBeta?: number, into?: Params32): BatchedLoss;
  /** Releases worker threads, if any. */
  close(): Promise<unknown>;
}

export interface TrainerOptions {
  /** 1 (default) or 2: run half of the streams on a worker thread. */
  threads?: number;
  /** The kernels: 'native', or a WASM build ('fma', 'simd'); by default kernelBackend()'s pick. */
  backend?: KernelBackend;
  /** With 'native': the instruction set (by default the widest this CPU runs). */
  isa?: NativeIsa;
}

export function createBatchedTrainer(H: number, V: number, B: number, T: number, opts: TrainerOptions = {}): BatchedTrainer {
  const threads = opts.threads ?? 1;
  if (threads !== 1 && threads !== 2) throw new RangeError(`threads must be 1 or 2, got ${threads}`);
  const backend = opts.backend ?? kernelBackend();
  if (!backend) throw new KernelsMissingError('the training kernels are not built: run `npm run build:kernels`');
  const make = (h: number, v: number, b: number, t: number) => new KernelBatchedTrainer(h, v, b, t, backend, opts.isa);
  if (threads === 2 && B >= 2) return new ParallelBatchedTrainer(H, V, B, T, { backend, isa: opts.isa }, make);
  return make(H, V, B, T);
}

class KernelBatchedTrainer implements BatchedTrainer {
  private readonly arena: KernelArena;
  private readonly w: WeightPtrs;
  private readonly hs: number;
  private readonly xs: number;
  private readonly targets: number;
  private readonly ys: number;
  private readonly dhout: number;
  private readonly dhraw: number;
  private readonly dhnext: number;
  private readonly dWhh: number;
  private readonly dWxhT: number;
  private readonly dWhy: number;
  private readonly dbh: number;
  private readonly dby: number;
  private readonly mask: number;
  private readonly hd: number;
  /** The norm stabiliser's gradient on each state, N rows of Hp like dhout (the padding stays 0). */
  private readonly dhextra: number;
  /**
   * WASM scratch for each product's weights packed into column strips and its X into 4-row panels (packStrips
   * and gemmPacked in assembly/index.ts); 0 on the native kernels, which keep their own.
   */
  private readonly packed: number = 0;
  private readonly panels: number = 0;

  constructor(
    readonly H: number,
    readonly V: number,
    readonly B: number,
    readonly T: number,
    backend: KernelBackend,
    isa?: NativeIsa,
  ) {
    for (const [name, v] of [['H', H], ['V', V], ['B', B], ['T', T]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive whole number, got ${v}`);
    }
    const a = (this.arena = newArena(backend, isa));
    const wasm = a instanceof Arena ? a : null;
    this.w = allocWeights(a, H, V, 'train');
    const { Hp, Vp } = this.w;
    const N = B * T;
    this.hs = a.allocF32((T + 1) * B * Hp);
    this.xs = a.alloc(4 * N);
    this.targets = a.alloc(4 * N);
    this.ys = a.allocF32(N * Vp);
    this.dhout = a.allocF32(N * Hp);
    this.dhraw = a.allocF32(N * Hp);
    this.dhnext = a.allocF32(B * Hp);
    this.dWhh = a.allocF32(H * Hp);
    this.dWxhT = a.allocF32(V * Hp);
    this.dWhy = a.allocF32(V * Hp);
    this.dbh = a.allocF32(Hp);
    this.dby = a.allocF32(Vp);
    this.mask = a.allocF32(N * Hp);
    this.hd = a.allocF32(N * Hp);
    this.dhextra = a.allocF32(N * Hp);
    if (wasm) {
      this.packed = a.allocF32(Math.max(H, V, N) * Math.max(Hp, Vp));
      // The products' X: the output layer's N rows of H, dy's N rows of V, and dhraw and dy transposed (H and V rows of N).
      const e = wasm.exports;
      this.panels = a.allocF32(Math.max(e.panelFloats(N, H), e.panelFloats(N, V), e.panelFloats(H, N), e.panelFloats(V, N)));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  lossAndGrads(params: ParamsLike, inputs: IndexBatch, targets: IndexBatch, hprev: ArrayLike<number>, mask?: ArrayLike<number>, normBeta = 0, into?: Params32): BatchedLoss {
    const { H, V, B, T, w } = this;
    if (into && (into.H !== H || into.V !== V)) throw new Error(`the gradients' arrays are for H=${into.H}, V=${into.V} but the kernels were built for H=${H}, V=${V}`);
    const { Hp, Vp } = w;
    const m = this.arena.f32();
    const mi = this.arena.i32();
    writeWeights(this.arena, w, params);
    this.writeIndices(mi, this.xs >> 2, inputs, 'inputs');
    this.writeIndices(mi, this.targets >> 2, targets, 'targets');
    if (hprev.length !== B * H) throw new RangeError(`hprev has ${hprev.length} entries, expected B*H = ${B * H}`);
    for (let b = 0; b < B; b++) {
      const row = (this.hs >> 2) + b * Hp;
      for (let j = 0; j < H; j++) m[row + j] = hprev[b * H + j];
    }

    const maskPtr = mask ? this.writeMask(m, mask) : 0;

    const e = this.arena.exports;
    e.trainForward(this.hs, this.xs, this.ys, T, B, H, Hp, Vp, w.WhhT, w.WxhT, w.bh, w.WhyT, w.by, maskPtr, this.hd, this.packed, this.panels);
    const loss = e.softmaxLoss(this.ys, this.targets, B * T, V, Vp);
    // hs holds h_0 (the carried states) then h_1..h_T, one step of B rows of Hp after another.
    const penalty = normBeta > 0 ? normStabiliser(normBeta, m, this.hs >> 2, m, this.dhextra >> 2, { B, T, H, step: B * Hp, row: Hp }) : 0;
    e.trainBackward(
      this.hs, this.xs, this.ys, this.dhout, this.dhraw, this.dhnext,
      T, B, H, Hp, V, Vp, w.Whh, w.Why,
      this.dWhh, this.dWxhT, this.dWhy, this.dbh, this.dby, maskPtr, this.hd, normBeta > 0 ? this.dhextra : 0, this.packed, this.panels,
    );

    // Back to min-char-rnn's layout.
    const grads = into ?? zeroParams32(H, V);
    grads.bh.set(m.subarray(this.dbh >> 2, (this.dbh >> 2) + H));
    grads.by.set(m.subarray(this.dby >> 2, (this.dby >> 2) + V));
    const dWhh = this.dWhh >> 2;
    const dWxhT = this.dWxhT >> 2;
    const dWhy = this.dWhy >> 2;
    for (let j = 0; j < H; j++) {
      grads.Whh.set(m.subarray(dWhh + j * Hp, dWhh + j * Hp + H), j * H);
      for (let i = 0; i < V; i++) grads.Wxh[j * V + i] = m[dWxhT + i * Hp + j];
    }
    for (let c = 0; c < V; c++) grads.Why.set(m.subarray(dWhy + c * Hp, dWhy + c * Hp + H), c * H);
    const h = new Float32Array(B * H);
    const last = (this.hs >> 2) + T * B * Hp;
    for (let b = 0; b < B; b++) h.set(m.subarray(last + b * Hp, last + b * Hp + H), b * H);
    return { loss, penalty, grads, h };
  }

  /** Copies a stream-major B·T·H mask into the kernels' time-major rows of Hp (padding stays 0); returns its address. */
  private writeMask(m: Float32Array, mask: ArrayLike<number>): number {
    const { H, B, T } = this;
    const Hp = this.w.Hp;
    if (mask.length !== B * T * H) throw new RangeError(`mask has ${mask.length} entries, expected B*T*H = ${B * T * H}`);
    const base = this.mask >> 2;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * H;
        const dst = base + (t * B + b) * Hp;
        for (let j = 0; j < H; j++) m[dst + j] = mask[src + j];
      }
    }
    return this.mask;
  }

  /** Copies B×T indices into the kernels' time-major layout (row t*B + b), checking the range. */
  private writeIndices(mi: Int32Array, base: number, src: IndexBatch, what: string): void {
    const { B, T, V } = this;
    copyIndexBatch(src, mi, base, 1, B, B, T, V, what);
  }
}
