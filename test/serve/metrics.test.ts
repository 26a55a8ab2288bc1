// The worker's /metrics and /healthz, scraped over HTTP: generation counts and latency, batch occupancy,
// and job counts read from a real Redis queue (fresh prefix).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { health, startObserveServer, type ObserveServer } from '../../src/observe/http.ts';
import { WorkerMetrics } from '../../src/observe/worker-metrics.ts';
import { Model } from '../../src/rnn/model.ts';
import { ModelServer } from '../../src/serve/model-server.ts';
import { cleanPrefix, freshPrefix, REDIS_URL } from '../e2e/harness.ts';
import { randomParams } from '../kernels/helpers.ts';

const V = 30;
const model = new Model(randomParams(64, V, 3), Array.from({ length: V }, (_, i) => String.fromCharCode(65 + i)));
let server: ModelServer;
let metrics: WorkerMetrics;
let http: ObserveServer;
let redis: Redis;
let queue: Queue;
const prefix = freshPrefix();

beforeAll(async () => {
  server = await ModelServer.start(model, { capacity: 6, statsIntervalMs: 10 });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('jobs', { connection: redis, prefix });
  metrics = new WorkerMetrics({ stats: () => server.stats(), jobCounts: () => queue.getJobCounts(), windowMs: 60_000 });
  http = await startObserveServer(0, {
    '/metrics': async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.metrics() }),
    '/healthz': async () => health({ redis: redis.status === 'ready', model: server.healthy }),
  });
});

afterAll(async () => {
  metrics?.close();
  await http?.close();
  await server?.close();
  await queue?.close();
  redis?.disconnect();
  await cleanPrefix(prefix);
});

/** Prometheus text → { 'name{labels}': value } */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${http.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('worker metrics over HTTP', () => {
  it('counts generations, characters, their latency and the batch, and the queue by state', async () => {
    await queue.add('complete', { x: 1 }, { jobId: 'a' });
    await queue.add('complete', { x: 2 }, { jobId: 'b', delay: 60_000 });
    const generate = metrics.instrument(server.generate);
    // long enough that the requests' arrival, one message each, is short next to their run (a few µs a character)
    const texts = await Promise.all(Array.from({ length: 10 }, (_, i) => generate({ context: 'ABC', temp: 1, length: 3000 + i, seed: i })));
    expect(texts.map((t) => t.continuation.length)).toEqual(Array.from({ length: 10 }, (_, i) => 3000 + i));
    metrics.jobStarted();
    metrics.jobFinished('complete', 'completed', 0.2);
    await new Promise((r) => setTimeout(r, 50)); // the thread's last stats message

    const m = await scrape();
    const chars = 10 * 3000 + 45;
    expect(m.get('bard_generated_chars_total')).toBe(chars);
    expect(m.get('bard_primed_chars_total')).toBe(30);
    expect(m.get('bard_generation_duration_seconds_count')).toBe(10);
    expect(m.get('bard_generation_duration_seconds_bucket{le="+Inf"}')).toBe(10);
    expect(m.get('bard_batch_capacity')).toBe(6);
    expect(m.get('bard_batch_streams')).toBe(0);
    expect(m.get('bard_model_threads_ready')).toBe(1);
    // 10 streams over 6 slots: the batch ran mostly full.
    expect(m.get('bard_batch_stream_ticks_total')! / m.get('bard_batch_ticks_total')!).toBeGreaterThan(4);
    expect(m.get('bard_batch_occupancy_ratio')).toBeGreaterThan(0.6);
    expect(m.get('bard_generation_chars_per_second')).toBeGreaterThan(0);
    expect(m.get('bard_queue_jobs{state="waiting"}')).toBe(1);
    expect(m.get('bard_queue_jobs{state="delayed"}')).toBe(1);
    expect(m.get('bard_queue_jobs{state="active"}')).toBe(0);
    expect(m.get('bard_worker_jobs_total{name="complete",outcome="completed"}')).toBe(1);
    expect(m.get('bard_job_duration_seconds_count{name="complete"}')).toBe(1);
    expect(m.get('bard_worker_jobs_active')).toBe(0);
    expect(m.has('nodejs_eventloop_lag_max_seconds')).toBe(true);

    // Counters keep their totals from one scrape to the next.
    await generate({ context: '', temp: 1, length: 7, seed: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect((await scrape()).get('bard_generated_chars_total')).toBe(chars + 7);
  });

  it('/healthz says ok with its checks; other paths and methods are refused', async () => {
    const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { redis: true, model: true } });
    expect((await fetch(`http://127.0.0.1:${http.port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${http.port}/metrics`, { method: 'POST' })).status).toBe(405);
    expect(health({ redis: false, model: true }).status).toBe(503);
  });
});
