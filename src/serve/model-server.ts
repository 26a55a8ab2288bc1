/**
 * The worker's side of its model threads. generate() sends a small message to a thread and resolves
 * when the thread sends the text back; the model, the batching loop and every matrix product stay in
 * the thread, so this event loop is free for BullMQ's lock renewal, Redis and Discord.
 *
 * With several threads (SERVE_THREADS), each runs its own batch and a request goes to the thread with
 * the fewest requests outstanding. Output does not depend on which thread or batch a stream runs in.
 */
import { Worker } from 'node:worker_threads';
import type { Model } from '../rnn/model.ts';
import { ExplainError } from '../explain/index.ts';
import type { Explain, ExplainQuery, ExplainResult } from '../worker/explain.ts';
import type { Generate, GenerateRequest, Generated } from '../worker/generate.ts';
import type { FromThread, ThreadData, ThreadStats, ToThread } from './protocol.ts';
import type { ServeCounters, ServeOutcome, ServeRequest } from './scheduler.ts';

/** A model the server serves, under the name requests use. */
export interface ServedModel {
  name: string;
  model: Model;
}

export interface ModelServerOptions {
  /** Streams in flight at once over all threads, per model (WORKER_CONCURRENCY); more requests wait in the threads. */
  capacity: number;
  /** Model threads (SERVE_THREADS); each gets an equal share of the capacity. */
  threads?: number;
  primeStepsPerTick?: number;
  statsIntervalMs?: number;
  /** A thread died (it is replaced; its requests fail, so BullMQ retries their jobs). */
  onThreadExit?: (err: Error) => void;
}

/** Everything the threads reported, summed: the basis of the worker's metrics. */
export interface ServerStats extends ThreadStats {
  threads: number;
  threadsReady: number;
  /** Requests sent and not answered yet. */
  outstanding: number;
}

export class ModelThreadError extends Error {}

interface Pending {
  resolve: (g: Generated) => void;
  reject: (e: Error) => void;
}

/** A thread that dies is replaced after this pause (no tight crash loop). */
const RESPAWN_DELAY_MS = 500;

/** The name a server started with a lone Model serves it under (requests that name no model get it). */
export const DEFAULT_NAME = 'default';

const ZERO: ServeCounters = { ticks: 0, streamTicks: 0, chars: 0, primedChars: 0, completed: 0, failed: 0 };

class ModelThread {
  readonly pending = new Map<number, Pending>();
  readonly explaining = new Map<number, { resolve: (e: ExplainResult) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  stats: ThreadStats;
  /** Totals of the threads this one replaced, so counters never go down. */
  private carried: ServeCounters = { ...ZERO };
  private worker!: Worker;
  private isReady = false;
  private everReady = false;
  private closing = false;
  private markReady!: () => void;
  private failStart!: (e: Error) => void;

  constructor(
    private readonly data: ThreadData,
    private readonly onExit: (err: Error) => void,
  ) {
    this.stats = { counters: { ...ZERO }, inFlight: 0, sampling: 0, queued: 0, capacity: data.capacity * data.models.length, batches: data.models.length };
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failStart = reject;
    });
    this.spawn();
  }

  get alive(): boolean {
    return this.isReady;
  }

  /** Sends a request; it fails at once while the thread is down (being replaced). */
  request(model: string, req: ServeRequest): Promise<Generated> {
    return new Promise<Generated>((resolve, reject) => {
      if (!this.isReady) return reject(new ModelThreadError('the model thread is restarting'));
      this.pending.set(req.id, { resolve, reject });
      this.send({ type: 'generate', model, req });
    });
  }

  /** Asks the thread for /why's answer (worked out from the weights there, and kept). */
  explain(id: number, model: string, query: ExplainQuery): Promise<ExplainResult> {
    return new Promise<ExplainResult>((resolve, reject) => {
      if (!this.isReady) return reject(new ModelThreadError('the model thread is restarting'));
      this.explaining.set(id, { resolve, reject });
      this.send({ type: 'explain', id, model, query });
    });
  }

  private send(m: ToThread): void {
    this.worker.postMessage(m);
  }

  close(): Promise<number> {
    this.closing = true;
    this.rejectAll(new ModelThreadError('the model server is closing'));
    return this.worker.terminate();
  }

  private spawn(): void {
    const w = new Worker(new URL('./thread.mjs', import.meta.url), { workerData: this.data });
    this.worker = w;
    let error: Error | null = null;
    w.on('message', (m: FromThread) => this.receive(m));
    w.on('error', (e) => (error = e));
    w.on('exit', (code) => {
      this.isReady = false;
      if (this.closing) return;
      const err = new ModelThreadError(`the model thread stopped (${error ? error.message : `exit code ${code}`})`);
      this.rejectAll(err);
      if (!this.everReady) return this.failStart(err);
      this.onExit(err);
      // Keep serving: a fresh thread takes the next requests (its totals start where these stopped).
      this.carried = { ...this.stats.counters };
      this.stats = { ...this.stats, counters: { ...this.carried }, inFlight: 0, sampling: 0, queued: 0 };
      setTimeout(() => this.closing || this.spawn(), RESPAWN_DELAY_MS);
    });
  }

  private receive(m: FromThread): void {
    switch (m.type) {
      case 'ready':
        this.isReady = this.everReady = true;
        this.markReady();
        return;
      case 'stats':
        this.stats = { ...m.stats, counters: add(this.carried, m.stats.counters) };
        return;
      case 'outcomes':
        for (const o of m.outcomes) this.settle(o);
        return;
      case 'explained': {
        const p = this.explaining.get(m.id);
        this.explaining.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve({ text: m.text, image: m.image });
        else p.reject(m.usage ? new ExplainError(m.error) : new Error(m.error));
        return;
      }
    }
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    for (const p of this.explaining.values()) p.reject(err);
    this.pending.clear();
    this.explaining.clear();
  }

  private settle(o: ServeOutcome): void {
    const p = this.pending.get(o.id);
    if (!p) return;
    this.pending.delete(o.id);
    if (o.ok) p.resolve({ continuation: o.continuation, dropped: o.dropped });
    else p.reject(new RangeError(o.error));
  }
}

function add(a: ServeCounters, b: ServeCounters): ServeCounters {
  return {
    ticks: a.ticks + b.ticks,
    streamTicks: a.streamTicks + b.streamTicks,
    chars: a.chars + b.chars,
    primedChars: a.primedChars + b.primedChars,
    completed: a.completed + b.completed,
    failed: a.failed + b.failed,
  };
}

export class ModelServer {
  /** The one door to the model (see src/worker/generate.ts): prime on the context, sample, resolve with the text. */
  readonly generate: Generate;
  /** /why-colon's and /why's answers, worked out in a model thread (never on this event loop). */
  readonly explain: Explain;
  private readonly threads: ModelThread[];
  private nextId = 1;

  private constructor(threads: ModelThread[]) {
    this.threads = threads;
    this.generate = (req) => this.request(req);
    this.explain = (model, q) => (this.threads.find((t) => t.alive) ?? this.threads[0]).explain(this.nextId++, model, q);
  }

  /** Starts the threads and resolves once each has built its models and kernels. A lone Model is served as "default". */
  static async start(models: Model | ServedModel[], opts: ModelServerOptions): Promise<ModelServer> {
    const served = Array.isArray(models) ? models : [{ name: DEFAULT_NAME, model: models }];
    if (served.length === 0) throw new RangeError('a model server needs at least one model');
    const n = opts.threads ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads must be a positive whole number, got ${n}`);
    const share = Math.max(1, Math.ceil(opts.capacity / n));
    const data: ThreadData = {
      models: served.map(({ name, model }) => ({ name, params: model.params, chars: [...model.chars], h0: model.h0, meta: model.meta })),
      capacity: share,
      primeStepsPerTick: opts.primeStepsPerTick,
      statsIntervalMs: opts.statsIntervalMs ?? 250,
    };
    const threads = Array.from({ length: n }, () => new ModelThread(data, opts.onThreadExit ?? (() => {})));
    const server = new ModelServer(threads);
    try {
      await Promise.all(threads.map((t) => t.ready));
    } catch (e) {
      await server.close();
      throw e;
    }
    return server;
  }

  stats(): ServerStats {
    let counters = { ...ZERO };
    let inFlight = 0;
    let sampling = 0;
    let queued = 0;
    let capacity = 0;
    let batches = 0;
    let outstanding = 0;
    let threadsReady = 0;
    for (const t of this.threads) {
      counters = add(counters, t.stats.counters);
      inFlight += t.stats.inFlight;
      sampling += t.stats.sampling;
      queued += t.stats.queued;
      capacity += t.stats.capacity;
      batches += t.stats.batches;
      outstanding += t.pending.size;
      if (t.alive) threadsReady++;
    }
    return { counters, inFlight, sampling, queued, capacity, batches, outstanding, threads: this.threads.length, threadsReady };
  }

  /** True when every thread is up. */
  get healthy(): boolean {
    return this.threads.every((t) => t.alive);
  }

  /** Ends the threads; requests still outstanding fail. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }

  private request(req: GenerateRequest): Promise<Generated> {
    const id = this.nextId++;
    let best = this.threads[0];
    for (const t of this.threads) if (t.alive && (!best.alive || t.pending.size < best.pending.size)) best = t;
    return best.request(req.model ?? DEFAULT_NAME, { id, context: req.context, temp: req.temp, length: req.length, seed: req.seed });
  }
}
