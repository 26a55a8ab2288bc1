import { Worker } from 'node:worker_threads';
import type { BatchedLoss, BatchedTrainer, IndexBatch } from './batched-trainer.ts';
import { copyIndexBatch } from './index-batch.ts';
import { type NativeIsa, type KernelBackend, nativeElementwise } from './native.ts';
import type { Params32, ParamsLike } from './layout.ts';
import { allocShared, CTL, type SharedBatch, sharedViews } from './shared-batch.ts';

const START_TIMEOUT_MS = 60_000;

/**
 * The batched trainer over two threads: this thread computes streams 0..B/2−1, a worker thread the rest,
 * each with its own kernel instance; the gradients are summed. Same synchronous API as the one-thread
 * trainer (the calling thread blocks on Atomics.wait while the worker finishes), same results up to
 * float32 summation order. The worker is unref'd; close() ends it.
 */
export class ParallelBatchedTrainer implements BatchedTrainer {
  private readonly own: BatchedTrainer;
  private readonly shared: SharedBatch;
  private readonly v: ReturnType<typeof sharedViews>;
  private readonly worker: Worker;
  private readonly split: number;
  private seq = 0;
  private workerError: Error | null = null;

  constructor(
    readonly H: number,
    readonly V: number,
    readonly B: number,
    readonly T: number,
    kernels: { backend: KernelBackend; isa?: NativeIsa },
    makeTrainer: (H: number, V: number, B: number, T: number) => BatchedTrainer,
  ) {
    if (B < 2) throw new RangeError('a parallel trainer needs at least 2 streams');
    this.split = Math.ceil(B / 2);
    this.own = makeTrainer(H, V, this.split, T);
    this.shared = allocShared(H, V, B, T, { first: this.split, count: B - this.split });
    this.v = sharedViews(this.shared);
    this.worker = new Worker(new URL('./trainer-worker.mjs', import.meta.url), { workerData: { ...this.shared, ...kernels } });
    this.worker.on('error', (err) => (this.workerError = err));
    this.worker.unref();
  }

  lossAndGrads(params: ParamsLike, inputs: IndexBatch, targets: IndexBatch, hprev: ArrayLike<number>, mask?: ArrayLike<number>, normBeta = 0, into?: Params32): BatchedLoss {
    const { H, V, B, T, v, split } = this;
    if (params.H !== H || params.V !== V) throw new Error(`parameters are H=${params.H}, V=${params.V} but the kernels were built for H=${H}, V=${V}`);
    if (hprev.length !== B * H) throw new RangeError(`hprev has ${hprev.length} entries, expected B*H = ${B * H}`);
    copyIndexBatch(inputs, v.inputs, 0, T, 1, B, T, V, 'inputs');
    copyIndexBatch(targets, v.targets, 0, T, 1, B, T, V, 'targets');
    const native = nativeElementwise();
    for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const) {
      const src = params[name];
      if (native && src instanceof Float64Array) native.narrow(v.params[name], src);
      else v.params[name].set(src);
    }
    v.hprev.set(hprev);
    if (mask && mask.length !== B * T * H) throw new RangeError(`mask has ${mask.length} entries, expected B*T*H = ${B * T * H}`);
    if (mask) v.mask.set(mask);
    Atomics.store(v.ctl, CTL.masked, mask ? 1 : 0);
    v.out.normBeta[0] = normBeta;
    this.waitReady();

    const seq = ++this.seq;
    Atomics.store(v.ctl, CTL.request, seq);
    Atomics.notify(v.ctl, CTL.request);
    const sharedParams = { H, V, Wxh: v.params.Wxh, Whh: v.params.Whh, Why: v.params.Why, bh: v.params.bh, by: v.params.by };
    // This thread's gradients, to which the worker's are added.
    const r = this.own.lossAndGrads(sharedParams, v.inputs.subarray(0, split * T), v.targets.subarray(0, split * T), v.hprev.subarray(0, split * H), mask && v.mask.subarray(0, split * T * H), normBeta, into);
    while (Atomics.load(v.ctl, CTL.done) !== seq) {
      if (Atomics.wait(v.ctl, CTL.done, seq - 1, START_TIMEOUT_MS) === 'timed-out') throw new Error('training worker thread did not answer');
    }
    if (Atomics.load(v.ctl, CTL.failed)) throw new Error('training worker thread failed (its error is on stderr)');

    const g = r.grads;
    for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const) {
      const a = g[name];
      const b = v.out[name];
      if (native) native.add(a, b);
      else for (let i = 0; i < a.length; i++) a[i] += b[i];
    }
    const h = new Float32Array(B * H);
    h.set(r.h);
    h.set(v.out.h, split * H);
    return { loss: r.loss + v.out.loss[0], penalty: r.penalty + v.out.penalty[0], grads: g, h };
  }

  /** Ends the worker thread. */
  close(): Promise<number> {
    Atomics.store(this.v.ctl, CTL.request, -1);
    Atomics.notify(this.v.ctl, CTL.request);
    return this.worker.terminate();
  }

  private waitReady(): void {
    if (Atomics.load(this.v.ctl, CTL.ready)) return;
    Atomics.wait(this.v.ctl, CTL.ready, 0, START_TIMEOUT_MS);
    if (!Atomics.load(this.v.ctl, CTL.ready)) throw this.workerError ?? new Error('training worker thread did not start');
  }
}
