import { workerData } from 'node:worker_threads';
import { createBatchedTrainer } from './batched-trainer.ts';
import type { NativeIsa, KernelBackend } from './native.ts';
import { type SharedBatch, sharedViews, CTL } from './shared-batch.ts';

/**
 * One thread of a parallel trainer: waits for a request in shared memory, computes loss and gradients
 * for its slice of the streams with its own kernel instance, writes them back and signals.
 */
const shared = workerData as SharedBatch & { backend: KernelBackend; isa?: NativeIsa };
const v = sharedViews(shared);
const { H, V, T, part } = shared;
const trainer = createBatchedTrainer(H, V, part.count, T, { backend: shared.backend, isa: shared.isa });
const params = { H, V, Wxh: v.params.Wxh, Whh: v.params.Whh, Why: v.params.Why, bh: v.params.bh, by: v.params.by };
// The gradients go straight to shared memory.
const grads = { H, V, Wxh: v.out.Wxh, Whh: v.out.Whh, Why: v.out.Why, bh: v.out.bh, by: v.out.by };
const lo = part.first * T;
const hi = (part.first + part.count) * T;

Atomics.store(v.ctl, CTL.ready, 1);
Atomics.notify(v.ctl, CTL.ready);
let seq = 0;
for (;;) {
  Atomics.wait(v.ctl, CTL.request, seq);
  seq = Atomics.load(v.ctl, CTL.request);
  if (seq < 0) break;
  try {
    const mask = Atomics.load(v.ctl, CTL.masked) ? v.mask.subarray(lo * H, hi * H) : undefined;
    const r = trainer.lossAndGrads(params, v.inputs.subarray(lo, hi), v.targets.subarray(lo, hi), v.hprev.subarray(part.first * H, (part.first + part.count) * H), mask, v.out.normBeta[0], grads);
    v.out.loss[0] = r.loss;
    v.out.penalty[0] = r.penalty;
    v.out.h.set(r.h);
    Atomics.store(v.ctl, CTL.failed, 0);
  } catch (err) {
    console.error(err);
    Atomics.store(v.ctl, CTL.failed, 1);
  }
  Atomics.store(v.ctl, CTL.done, seq);
  Atomics.notify(v.ctl, CTL.done);
}
