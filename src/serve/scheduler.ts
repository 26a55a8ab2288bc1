import { BatchSampler } from '../kernels/batch-sampler.ts';
import { kernelsAvailable } from '../kernels/wasm.ts';
import { checkLength, complete } from '../rnn/generate.ts';
import type { Model } from '../rnn/model.ts';
import { Rng } from '../rnn/rng.ts';
import { checkTemperature } from '../rnn/softmax.ts';
import { startState } from '../rnn/start.ts';
import { Primer } from './primer.ts';

/** One generation: prime on `context` from the warm start state, then sample `length` characters. */
export interface ServeRequest {
  id: number;
  context: string;
  temp: number;
  length: number;
  seed: number;
}

export type ServeOutcome =
  | { id: number; ok: true; continuation: string; dropped: number }
  | { id: number; ok: false; error: string };

// What iterate() returns when nothing finished (most iterations): no new array per tick.
const noOutcomes: readonly ServeOutcome[] = Object.freeze([]);

/** Running totals since the scheduler started (the thread turns them into metrics). */
export interface ServeCounters {
  /** Sampling ticks (one batched step each) and the streams they advanced, summed: their ratio is the mean batch size. */
  ticks: number;
  streamTicks: number;
  /** Characters sampled, and prompt characters read by the primer. */
  chars: number;
  primedChars: number;
  completed: number;
  failed: number;
}

export interface SchedulerOptions {
  /** Streams in flight at once (priming or sampling); more requests wait their turn. */
  capacity: number;
  /** Prompt characters the primer may read per sampling tick while other streams are sampling. */
  primeStepsPerTick?: number;
}

interface Active {
  req: ServeRequest;
  rng: Rng;
  dropped: number;
  samplerId: number;
}

/**
 * Continuous batching of generations for one model, synchronous and single-threaded (the serving
 * thread drives it; tests drive it directly). Each iterate():
 *   1. admits waiting requests while there is room (capacity streams in flight);
 *   2. primes the newcomers' prompts in bulk (Primer), a bounded number of steps while others sample;
 *   3. ticks the sampling batch once: one matrix–matrix product advances every sampling stream by a character.
 * Streams join and leave at any tick. Each stream's text is exactly what complete() gives for the same
 * context, temperature, length and seed (same float32 kernel, same start state, same Rng).
 */
export class Scheduler {
  readonly capacity: number;
  readonly counters: ServeCounters = { ticks: 0, streamTicks: 0, chars: 0, primedChars: 0, completed: 0, failed: 0 };
  private readonly primeStepsPerTick: number;
  private readonly h0: Float64Array;
  private readonly waiting: ServeRequest[] = [];
  private readonly active = new Map<number, Active>();
  private readonly bySampler = new Map<number, number>();
  private readonly primer: Primer | null;
  private readonly sampler: BatchSampler | null;
  private outcomes: ServeOutcome[] = [];

  constructor(
    private readonly model: Model,
    opts: SchedulerOptions,
  ) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1) throw new RangeError(`capacity must be a positive whole number, got ${opts.capacity}`);
    this.capacity = opts.capacity;
    this.primeStepsPerTick = opts.primeStepsPerTick ?? 32;
    this.h0 = startState(model, 'warm');
    // Without the WASM kernels (not built), requests run one at a time through complete()'s float64 path.
    const fast = kernelsAvailable();
    this.primer = fast ? new Primer(model.params, this.capacity) : null;
    this.sampler = fast ? new BatchSampler(model.params, this.capacity) : null;
  }

  /** Streams priming or sampling now. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Streams in the sampling batch now (the batch occupancy). */
  get sampling(): number {
    return this.sampler?.size ?? 0;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** True while there is anything to do: call iterate() until it is false. */
  get busy(): boolean {
    return this.waiting.length > 0 || this.active.size > 0 || this.outcomes.length > 0;
  }

  /** Queues a request; its outcome comes out of a later iterate(). A bad request fails there, not here. */
  submit(req: ServeRequest): void {
    this.waiting.push(req);
  }

  /** Drops a request, waiting or running; false if it is unknown or already finished. */
  cancel(id: number): boolean {
    const w = this.waiting.findIndex((r) => r.id === id);
    if (w >= 0) {
      this.waiting.splice(w, 1);
      return true;
    }
    const a = this.active.get(id);
    if (!a) return false;
    if (a.samplerId > 0) {
      this.sampler!.cancel(a.samplerId);
      this.bySampler.delete(a.samplerId);
    } else this.primer!.cancel(id);
    this.active.delete(id);
    return true;
  }

  /** One round of admit, prime, tick; returns the requests that finished (or failed) in it. */
  iterate(): readonly ServeOutcome[] {
    if (!this.primer || !this.sampler) this.runOneSlowly();
    else {
      this.admit();
      const budget = this.sampler.size > 0 ? this.primeStepsPerTick : Infinity;
      const before = this.primer.backlog;
      for (const p of this.primer.step(budget)) this.startSampling(p.id, p.h);
      this.counters.primedChars += before - this.primer.backlog;
      this.tick();
    }
    if (this.outcomes.length === 0) return noOutcomes;
    const out = this.outcomes;
    this.outcomes = [];
    return out;
  }

  /** Iterates until everything submitted is done (tests and benchmarks). */
  drain(): ServeOutcome[] {
    const all: ServeOutcome[] = [];
    while (this.busy) all.push(...this.iterate());
    return all;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.active.size < this.capacity) {
      const req = this.waiting.shift()!;
      const problem = invalid(req);
      if (problem) {
        this.fail(req.id, problem);
        continue;
      }
      const enc = this.model.encode(req.context);
      this.active.set(req.id, { req, rng: new Rng(req.seed), dropped: enc.dropped.length, samplerId: 0 });
      this.primer!.add(req.id, this.h0, enc.ixs);
    }
  }

  private startSampling(id: number, h: Float64Array): void {
    const a = this.active.get(id)!;
    a.samplerId = this.sampler!.add({ h0: h, prompt: [], length: a.req.length, temp: a.req.temp, rng: a.rng });
    this.bySampler.set(a.samplerId, id);
  }

  private tick(): void {
    const n = this.sampler!.size;
    const done = this.sampler!.tick();
    if (n > 0) {
      this.counters.ticks++;
      this.counters.streamTicks += n;
      this.counters.chars += n;
    }
    for (const d of done) {
      const id = this.bySampler.get(d.id)!;
      this.bySampler.delete(d.id);
      const a = this.active.get(id)!;
      this.active.delete(id);
      this.counters.completed++;
      this.outcomes.push({ id, ok: true, continuation: this.model.decode(d.ixs), dropped: a.dropped });
    }
  }

  /** The path without kernels: one whole request per iterate, through complete(). */
  private runOneSlowly(): void {
    const req = this.waiting.shift();
    if (!req) return;
    const problem = invalid(req);
    if (problem) return this.fail(req.id, problem);
    const c = completeRequest(this.model, req);
    this.counters.chars += req.length;
    this.counters.completed++;
    this.outcomes.push({ id: req.id, ok: true, ...c });
  }

  private fail(id: number, error: string): void {
    this.counters.failed++;
    this.outcomes.push({ id, ok: false, error });
  }
}

/**
 * One request, whole, through complete() (warm start): the path without the batching machinery. The
 * scheduler falls back to it when the kernels are not built; `npm run play` generates with it in process.
 */
export function completeRequest(model: Model, req: Omit<ServeRequest, 'id'>): { continuation: string; dropped: number } {
  const c = complete(model, { prompt: req.context, temp: req.temp, length: req.length, seed: req.seed, init: 'warm' });
  return { continuation: c.continuation, dropped: c.dropped.length };
}

/** What is wrong with a request, or null (complete()'s checks, as messages rather than throws). */
function invalid(req: ServeRequest): string | null {
  try {
    checkTemperature(req.temp);
    checkLength(req.length);
  } catch (e) {
    return (e as Error).message;
  }
  if (typeof req.context !== 'string') return 'context must be a string';
  if (!Number.isFinite(req.seed)) return `seed must be a number, got ${req.seed}`;
  return null;
}
