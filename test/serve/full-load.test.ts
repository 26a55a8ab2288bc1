// A worker at full load: many concurrent long /bard jobs (1000-character prompts, 1500 characters each)
// with a 1 s job lock checked for stalls every second. The model runs in its thread, so the worker's event
// loop renews every lock in time: no job is ever detected as stalled, each runs once and is answered once.
// (With generation on the event loop instead, jobs started back to back block it for seconds: a run of this
// test with the in-process generator saw 13 of the 40 jobs stalled.)
// The real bot and worker run against the Discord fake and Redis; the test also scrapes both /healthz and
// the worker's /metrics.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fake-discord/index.ts';
import { complete } from '../../src/rnn/generate.ts';
import { loadSnapshot } from '../../src/snapshot/index.ts';
import { bardEnv, beforeItsDeferral, freshPrefix, REFERENCE_SNAPSHOT, shutDown, spawnBard, waitReady, watchQueue, type Proc, type WatchedQueue } from '../e2e/harness.ts';

const JOBS = 40;
const CONCURRENCY = 16;
const LENGTH = 1500;

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
let worker: Proc;
let redis: Redis;
let watched: WatchedQueue;
let queue: Queue;
let stalled: string[] = [];

function portFrom(line: string): number {
  return (JSON.parse(line) as { port: number }).port;
}

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, {
    COOLDOWN_USER_JOBS: '0',
    COOLDOWN_CHANNEL_JOBS: '0',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    WORKER_LOCK_SECONDS: '1',
    WORKER_STALLED_CHECK_SECONDS: '1',
    METRICS_PORT: '0',
    HEALTH_PORT: '0',
  });
  const deploy = spawnBard('deploy', env);
  expect(await deploy.exited, deploy.err.join('\n')).toBe(0);
  watched = await watchQueue(prefix);
  ({ redis, queue, stalled } = watched);
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  await waitReady(fake, bot, [worker]);
}, 60_000);

afterAll(async () => {
  await watched?.close();
  const codes = await shutDown(fake, prefix, [bot, worker]);
  expect(codes).toEqual([0, 0]);
}, 30_000);

describe('a worker at full load', () => {
  it(`${JOBS} concurrent long jobs, lock 1 s: none stalls, each runs once and is answered once, with complete()'s text`, async () => {
    const metricsPort = portFrom(await worker.waitForLine(/"metrics listening"/));
    const healthPort = portFrom(await bot.waitForLine(/"health listening"/));
    const users = Array.from({ length: 8 }, (_, i) => fake.addUser(`load${i}`));
    const done = (id: string) => {
      const ms = fake.messagesFor(id);
      return ms.length > 0 && ms.every((m) => !m.loading) && ms.at(-1)!.components.length > 0;
    };
    // One job first, so one-time start-up work (first request, lazily compiled code) is out of the way;
    // then a scrape, which resets the event-loop lag maximum.
    const warm = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', temp: 0.8, length: 20 }, user: users[0] });
    await fake.waitUntil(() => done(warm.id), 30_000);
    await fetch(`http://127.0.0.1:${metricsPort}/metrics`);

    const prompts = Array.from({ length: JOBS }, (_, i) => `${'KING HENRY: Once more unto the breach, dear friends, once more; '.repeat(16)}`.slice(i, i + 1000));
    const t0 = Date.now();
    const ixs = prompts.map((prompt, i) => fake.injectSlashCommand({ name: 'bard', options: { prompt, temp: 0.8, length: LENGTH }, user: users[i % users.length] }));
    await fake.waitUntil(() => ixs.every((ix) => done(ix.id)), 120_000);
    const took = Date.now() - t0;

    // Every lock was renewed: no stall reported, and every job started exactly once.
    await new Promise((r) => setTimeout(r, 1500)); // one more stalled check after the last job
    expect(stalled).toEqual([]);
    const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting']);
    expect(jobs).toHaveLength(JOBS + 1);
    for (const j of jobs) {
      expect(await j.getState()).toBe('completed');
      expect({ id: j.id, started: j.attemptsStarted, stalled: j.stalledCounter }).toEqual({ id: j.id, started: 1, stalled: 0 });
    }
    // One edit of the deferred reply per interaction (a re-run would edit it again), and one 'job done' per job.
    // One edit each (an edit that beat its deferral and was tried again does not count).
    for (const ix of ixs) expect(fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage' && !beforeItsDeferral(fake, r))).toHaveLength(1);
    expect(worker.out.filter((l) => l.includes('"job done"'))).toHaveLength(JOBS + 1);

    // The text is what complete() gives for the seed (the threaded, batched path changes nothing).
    const model = loadSnapshot(REFERENCE_SNAPSHOT);
    for (const i of [0, 17, 39]) {
      const all = fake.messagesFor(ixs[i].id).map((m) => m.content).join('\n');
      const seed = Number(/seed (\d+)/.exec(all.slice(all.lastIndexOf('\n-# ')))![1]);
      const prompt = prompts[i];
      const expected = complete(model, { prompt, temp: 0.8, length: LENGTH, seed }).continuation;
      const unescaped = all.replace(/\\([\\*_~`|<>[\]@#\-+.])/g, '$1');
      for (const line of expected.split('\n').filter((l) => l.length > 0 && l.length < 500)) expect(unescaped).toContain(line);
    }

    // /metrics saw it all, and the event loop never stalled for anything near the lock.
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(metric('bard_worker_jobs_total{name="complete",outcome="completed"}')).toBe(JOBS + 1);
    expect(metric('bard_generated_chars_total')).toBe(JOBS * LENGTH + 20);
    expect(metric('bard_generation_duration_seconds_count')).toBe(JOBS + 1);
    expect(metric('bard_batch_capacity')).toBe(CONCURRENCY);
    expect(metric('bard_batch_stream_ticks_total') / metric('bard_batch_ticks_total')).toBeGreaterThan(4);
    expect(metric('bard_queue_jobs{state="completed"}')).toBe(JOBS + 1);
    // BullMQ renews locks every lockDuration / 2: a loop never held up that long renews them all in time.
    const lag = metric('nodejs_eventloop_lag_max_seconds');
    console.log(`worker event-loop lag max under full load: ${(lag * 1000).toFixed(0)} ms (${JOBS} jobs in ${took} ms)`);
    expect(lag).toBeLessThan(0.5);

    for (const port of [metricsPort, healthPort]) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    }
  }, 150_000);
});
