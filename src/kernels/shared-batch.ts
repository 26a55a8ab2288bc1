/** Shared-memory layout between a parallel trainer and its worker thread (see parallel-trainer.ts). */

export const CTL = { request: 0, done: 1, ready: 2, failed: 3, masked: 4 } as const;

export interface SharedBatch {
  H: number;
  V: number;
  B: number;
  T: number;
  /** The streams this worker computes: first .. first + count − 1. */
  part: { first: number; count: number };
  ctl: SharedArrayBuffer;
  params: SharedArrayBuffer;
  inputs: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  hprev: SharedArrayBuffer;
  /** The dropout mask of the whole batch (stream-major B·T·H), read when ctl[masked] is 1. */
  mask: SharedArrayBuffer;
  out: SharedArrayBuffer;
}

export function allocShared(H: number, V: number, B: number, T: number, part: { first: number; count: number }): SharedBatch {
  const f32 = (n: number) => new SharedArrayBuffer(4 * n);
  const nParams = H * V + H * H + V * H + H + V;
  return {
    H,
    V,
    B,
    T,
    part,
    ctl: new SharedArrayBuffer(20),
    params: f32(nParams),
    inputs: new SharedArrayBuffer(4 * B * T),
    targets: new SharedArrayBuffer(4 * B * T),
    hprev: f32(B * H),
    mask: f32(B * T * H),
    // loss, the norm stabiliser's penalty and β (float64s, padded to 8 floats), then the gradients and the final states of the part
    out: new SharedArrayBuffer(8 * 4 + 4 * (nParams + part.count * H)),
  };
}

export function sharedViews(s: SharedBatch) {
  const { H, V } = s;
  const sizes = { Wxh: H * V, Whh: H * H, Why: V * H, bh: H, by: V } as const;
  const carve = (buf: SharedArrayBuffer, start: number) => {
    let at = start;
    const take = (n: number) => {
      const a = new Float32Array(buf, at, n);
      at += 4 * n;
      return a;
    };
    return { Wxh: take(sizes.Wxh), Whh: take(sizes.Whh), Why: take(sizes.Why), bh: take(sizes.bh), by: take(sizes.by), rest: take };
  };
  const params = carve(s.params, 0);
  const out = carve(s.out, 32);
  return {
    ctl: new Int32Array(s.ctl),
    params,
    inputs: new Int32Array(s.inputs),
    targets: new Int32Array(s.targets),
    hprev: new Float32Array(s.hprev),
    mask: new Float32Array(s.mask),
    out: { loss: new Float64Array(s.out, 0, 1), penalty: new Float64Array(s.out, 8, 1), normBeta: new Float64Array(s.out, 16, 1), Wxh: out.Wxh, Whh: out.Whh, Why: out.Why, bh: out.bh, by: out.by, h: out.rest(s.part.count * H) },
  };
}
