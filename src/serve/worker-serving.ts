/**
 * Everything `npm run worker` needs to serve the model fast and visibly, in one call:
 *  - the model threads (ModelServer) behind an instrumented generate();
 *  - the metrics, fed by the threads and by the BullMQ worker's job events;
 *  - /metrics and /healthz on METRICS_PORT.
 * The worker's own module stays a thin shell: start this, hand `generate` to the jobs, watch(worker), close().
 */
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { health, startObserveServer, type ObserveServer } from '../observe/http.ts';
import { WorkerMetrics } from '../observe/worker-metrics.ts';
import type { Explain } from '../worker/explain.ts';
import type { Generate } from '../worker/generate.ts';
import { ModelServer, type ServedModel } from './model-server.ts';

export interface ServingOptions {
  /** Every model the worker serves, by registry name (each gets its own batch in every thread). */
  models: ServedModel[];
  /** Streams in flight at once per model: WORKER_CONCURRENCY. */
  capacity: number;
  /** SERVE_THREADS. */
  threads: number;
  /** METRICS_PORT: null = no HTTP server, 0 = any free port (logged). */
  metricsPort: number | null;
  log: Logger;
  /** Job counts by state, for bard_queue_jobs (Queue.getJobCounts). */
  jobCounts: () => Promise<Record<string, number>>;
  /** Is Redis connected? (for /healthz) */
  redisReady: () => boolean;
}

export class Serving {
  private worker: Worker | null = null;

  private constructor(
    readonly server: ModelServer,
    readonly metrics: WorkerMetrics,
    private readonly http: ObserveServer | null,
    /** The one door to the model for the jobs: runs in the model threads, timed into the metrics. */
    readonly generate: Generate,
  ) {}

  /** /why-colon and /why, answered by a model thread. */
  get explain(): Explain {
    return this.server.explain;
  }

  static async start(o: ServingOptions): Promise<Serving> {
    const server = await ModelServer.start(o.models, {
      capacity: o.capacity,
      threads: o.threads,
      onThreadExit: (err) => o.log.error({ err: err.message }, 'model thread died; starting a new one'),
    });
    const metrics = new WorkerMetrics({ stats: () => server.stats(), jobCounts: o.jobCounts });
    let http: ObserveServer | null = null;
    let serving: Serving | null = null;
    if (o.metricsPort !== null) {
      try {
        http = await startObserveServer(o.metricsPort, {
          '/metrics': async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.metrics() }),
          '/healthz': async () => {
            const s = server.stats();
            return health(
              { redis: o.redisReady(), model: server.healthy, worker: serving?.worker?.isRunning() ?? false },
              { threads: `${s.threadsReady}/${s.threads}`, streams: s.inFlight, capacity: s.capacity },
            );
          },
        });
        o.log.info({ port: http.port, paths: ['/metrics', '/healthz'] }, 'metrics listening');
      } catch (e) {
        // A second worker on the same machine finds the port taken: it serves jobs all the same.
        o.log.warn({ port: o.metricsPort, err: (e as Error).message }, 'metrics server not started');
      }
    }
    serving = new Serving(server, metrics, http, metrics.instrument(server.generate));
    return serving;
  }

  /** Port of /metrics and /healthz, or null when off. */
  get port(): number | null {
    return this.http?.port ?? null;
  }

  /** Follows the BullMQ worker's jobs for the metrics, and its state for /healthz. */
  watch(worker: Worker): void {
    this.worker = worker;
    const seconds = (job: { processedOn?: number; finishedOn?: number }) =>
      job.processedOn && job.finishedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    worker.on('active', () => this.metrics.jobStarted());
    worker.on('completed', (job) => this.metrics.jobFinished(job.name, 'completed', seconds(job)));
    worker.on('failed', (job, err) => {
      if (!job) return;
      this.metrics.jobFinished(job.name, err?.name === 'UnrecoverableError' ? 'rejected' : 'failed', seconds(job));
    });
  }

  /** After the BullMQ worker has closed: ends the threads and the HTTP server. */
  async close(): Promise<void> {
    this.metrics.close();
    await Promise.all([this.server.close(), this.http?.close()]);
  }
}
