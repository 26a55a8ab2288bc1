/**
 * The worker's Prometheus metrics (prom-client, one registry per worker):
 *
 *   bard_queue_jobs{state}                    jobs in the queue by state (waiting, active, delayed, …), read from Redis at scrape time
 *   bard_worker_jobs_total{name,outcome}      jobs this worker finished: completed, failed, rejected (invalid payload)
 *   bard_worker_jobs_active                   jobs this worker is running now
 *   bard_job_duration_seconds{name}           a job from start to reply posted
 *   bard_generation_duration_seconds          one generation: request to text (waiting for a slot, priming, sampling)
 *   bard_generated_chars_total                characters sampled; rate() of it is characters per second
 *   bard_generation_chars_per_second          the same over the last 10 s, computed here (for a glance without PromQL)
 *   bard_batch_streams                        streams in the sampling batch now (the occupancy)
 *   bard_batch_in_flight / _queued / _capacity  streams priming or sampling / waiting for a slot / slots
 *   bard_batch_occupancy_ratio                mean streams per tick ÷ one batch's slots (a batch per model per thread), last 10 s
 *   bard_batch_ticks_total, bard_batch_stream_ticks_total  ticks, and streams advanced summed over ticks
 *   bard_model_threads_ready                  model threads up
 * plus Node's default process metrics (CPU, memory, event-loop lag: it shows the loop stays free).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerStats } from '../serve/model-server.ts';
import type { ServeCounters } from '../serve/scheduler.ts';
import type { Generate } from '../worker/generate.ts';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'completed', 'failed'] as const;

export interface WorkerMetricsSources {
  /** The model server's totals and current batch. */
  stats: () => ServerStats;
  /** Job counts by state from the queue (Redis); may throw while Redis is away. */
  jobCounts?: () => Promise<Record<string, number>>;
  /** Window of the computed rates. */
  windowMs?: number;
}

interface Sample {
  t: number;
  c: ServeCounters;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<'name' | 'outcome'>;
  private readonly active: Gauge;
  private readonly jobSeconds: Histogram<'name'>;
  private readonly generationSeconds: Histogram;
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly windowMs: number;

  constructor(private readonly src: WorkerMetricsSources) {
    const registers = [this.registry];
    this.windowMs = src.windowMs ?? 10_000;
    collectDefaultMetrics({ register: this.registry });

    this.jobs = new Counter({ name: 'bard_worker_jobs_total', help: 'Jobs this worker finished, by job name and outcome', labelNames: ['name', 'outcome'], registers });
    this.active = new Gauge({ name: 'bard_worker_jobs_active', help: 'Jobs this worker is running now', registers });
    this.jobSeconds = new Histogram({
      name: 'bard_job_duration_seconds',
      help: 'Time from a job starting on this worker to its reply being posted',
      labelNames: ['name'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.generationSeconds = new Histogram({
      name: 'bard_generation_duration_seconds',
      help: 'One generation, from request to text: waiting for a batch slot, priming, sampling',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    const { stats } = src;
    new Gauge({
      name: 'bard_queue_jobs',
      help: 'Jobs in the queue by state (all workers; read from Redis when scraped)',
      labelNames: ['state'],
      registers,
      async collect() {
        if (!src.jobCounts) return;
        try {
          const counts = await src.jobCounts();
          for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
        } catch {
          // Redis away: leave the last values; /healthz says what is wrong.
        }
      },
    });
    const counter = (name: string, help: string, pick: (c: ServeCounters) => number) => {
      let seen = 0;
      return new Counter({
        name,
        help,
        registers,
        collect() {
          // Counters only go up: add what the threads did since the last scrape.
          const now = pick(stats().counters);
          this.inc(Math.max(0, now - seen));
          seen = Math.max(seen, now);
        },
      });
    };
    counter('bard_generated_chars_total', 'Characters sampled by this worker', (c) => c.chars);
    counter('bard_primed_chars_total', 'Prompt characters read by this worker (bulk priming)', (c) => c.primedChars);
    counter('bard_batch_ticks_total', 'Batched sampling steps (one matrix product each)', (c) => c.ticks);
    counter('bard_batch_stream_ticks_total', 'Streams advanced, summed over ticks (÷ ticks = mean batch size)', (c) => c.streamTicks);
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value());
        },
      });
    gauge('bard_batch_streams', 'Streams in the sampling batch now', () => stats().sampling);
    gauge('bard_batch_in_flight', 'Streams priming or sampling now', () => stats().inFlight);
    gauge('bard_batch_queued', 'Generations waiting for a batch slot', () => stats().queued);
    gauge('bard_batch_capacity', 'Batch slots (streams at once) over all model threads', () => stats().capacity);
    gauge('bard_model_threads_ready', 'Model threads up and serving', () => stats().threadsReady);
    gauge('bard_generation_chars_per_second', 'Characters sampled per second over the last 10 s', () => this.window().charsPerSecond);
    gauge('bard_batch_occupancy_ratio', 'Mean streams per tick ÷ the capacity of one batch (one per model per thread) over the last 10 s', () => this.window().occupancy);

    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  /** Wraps the generator: every generation's duration goes into the histogram. */
  instrument(generate: Generate): Generate {
    return async (req) => {
      const end = this.generationSeconds.startTimer();
      try {
        return await generate(req);
      } finally {
        end();
      }
    };
  }

  jobStarted(): void {
    this.active.inc();
  }

  jobFinished(name: string, outcome: 'completed' | 'failed' | 'rejected', seconds: number): void {
    this.active.dec();
    this.jobs.inc({ name, outcome });
    if (outcome !== 'rejected') this.jobSeconds.observe({ name }, seconds);
  }

  /** Rates over the last window, from the samples taken every second. */
  window(): { charsPerSecond: number; occupancy: number } {
    this.sample();
    const last = this.samples[this.samples.length - 1];
    const first = this.samples.find((s) => last.t - s.t <= this.windowMs) ?? last;
    const dt = (last.t - first.t) / 1000;
    const ticks = last.c.ticks - first.c.ticks;
    // A tick steps one batch (of one model, in one thread), so its fill is measured against one batch's slots.
    const { capacity, batches } = this.src.stats();
    const perBatch = capacity / Math.max(1, batches);
    return {
      charsPerSecond: dt > 0 ? (last.c.chars - first.c.chars) / dt : 0,
      occupancy: ticks > 0 && perBatch > 0 ? (last.c.streamTicks - first.c.streamTicks) / ticks / perBatch : 0,
    };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const t = performance.now();
    this.samples.push({ t, c: this.src.stats().counters });
    while (this.samples.length > 2 && t - this.samples[1].t > this.windowMs) this.samples.shift();
  }
}
