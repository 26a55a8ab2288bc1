// Issue 18, item 2: short job locks never falsely stall a busy worker. The bot and two workers run with the
// default WORKER_LOCK_SECONDS and WORKER_STALLED_CHECK_SECONDS (what makes a crashed worker's job come back
// within seconds) and are kept at full load: more /bard in flight than both batches hold, all the time.
// No job may be reported stalled, each runs once and is answered once. The test also samples how close any
// lock came to running out (its remaining PTTL), the margin the defaults were chosen on.
// It runs FULL_LOAD_SECONDS (default 20: eight renewal rounds of every lock); the 2-minute run is
//   FULL_LOAD_SECONDS=120 npx vitest run test/reliability/lock-renewal.test.ts
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { FakeDiscord } from '../fake-discord/index.ts';
import { bardEnv, freshPrefix, logLines, shutDown, sleep, spawnBard, waitReady, watchQueue, type Proc, type WatchedQueue } from './harness.ts';

const SECONDS = Number(process.env.FULL_LOAD_SECONDS ?? 20);
const WORKERS = 2;
/** Interactions kept unanswered at once: twice what the two workers' batches (32 each) take. */
const IN_FLIGHT = 128;
const PROMPT = 'KING HENRY: Once more unto the breach, dear friends, once more; '.repeat(15);

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
const workers: Proc[] = [];
let redis: Redis;
let watched: WatchedQueue;
let queue: Queue;
let stalled: string[] = [];

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
  // The defaults under test: nothing in the environment may override them.
  delete env.WORKER_LOCK_SECONDS;
  delete env.WORKER_STALLED_CHECK_SECONDS;
  delete env.WORKER_CONCURRENCY;
  watched = await watchQueue(prefix);
  ({ redis, queue, stalled } = watched);
  bot = spawnBard('bot', env);
  for (let i = 0; i < WORKERS; i++) workers.push(spawnBard('worker', env));
  await waitReady(fake, bot, workers, 60_000);
}, 90_000);

afterAll(async () => {
  await watched?.close();
  await shutDown(fake, prefix, [bot, ...workers]);
}, 30_000);

/** The smallest remaining TTL of any job lock, sampled every 100 ms until stopped. */
function watchLocks(): { stop: () => Promise<{ minMs: number; samples: number }> } {
  let minMs = Infinity;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const active = await redis.lrange(`${prefix}:jobs:active`, 0, -1);
      if (active.length) {
        const p = redis.pipeline();
        for (const id of active) p.pttl(`${prefix}:jobs:${id}:lock`);
        for (const [, ttl] of (await p.exec()) ?? []) {
          // -2: the job finished between the two reads.
          if (typeof ttl === 'number' && ttl >= 0) {
            minMs = Math.min(minMs, ttl);
            samples++;
          }
        }
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { minMs, samples };
    },
  };
}

describe('job locks at full load, default settings', () => {
  it(`${SECONDS} s with ${IN_FLIGHT} interactions always in flight on ${WORKERS} workers: no job stalls, each runs once and is answered once`, async () => {
    const lockMs = loadConfig('play', {}).lockMs;
    const users = Array.from({ length: 16 }, (_, i) => fake.addUser(`load${i}`));
    const answered = (id: string) => {
      const ms = fake.messagesFor(id);
      return ms.length > 0 && ms.every((m) => !m.loading);
    };
    const ids: string[] = [];
    let open: string[] = [];
    const locks = watchLocks();
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      open = open.filter((id) => !answered(id));
      while (open.length < IN_FLIGHT) {
        const n = ids.length;
        // The longest replies, so that locks live through several renewals.
        const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: `${PROMPT} ${n}`, temp: 0.8, length: 1500 }, user: users[n % users.length] });
        ids.push(ix.id);
        open.push(ix.id);
      }
      await sleep(50);
    }
    await fake.waitUntil(() => ids.every(answered) || null, 60_000, 'every answer');
    const margin = await locks.stop();
    await sleep(2500); // two more stalled checks after the last job

    expect(stalled).toEqual([]);
    for (const w of workers) expect(logLines(w).filter((l) => /stalled|renew/.test(l.msg) || /renew/.test(l.err ?? ''))).toEqual([]);
    // Each job started once, on one worker (completed jobs beyond the queue's keep-count are gone from Redis: count the logs).
    const starts = workers.flatMap((w) => logLines(w)).filter((l) => l.msg === 'job started');
    expect(starts.filter((l) => l.started !== 1)).toEqual([]);
    expect(new Set(starts.map((l) => l.jobId)).size).toBe(ids.length);
    expect(starts).toHaveLength(ids.length);
    expect(await queue.getFailedCount()).toBe(0);
    for (const id of ids) expect(fake.requestsFor(id).filter((r) => r.route === 'webhookEditMessage' && r.status < 300), id).toHaveLength(1);
    expect(margin.samples).toBeGreaterThan(0);
    console.log(
      `full load ${SECONDS} s: ${ids.length} jobs, 0 stalled; lock ${lockMs} ms, smallest remaining lock TTL seen ${margin.minMs} ms over ${margin.samples} samples`,
    );
  }, (SECONDS + 120) * 1000);
});
