// Issue 6, item 1: a worker killed with SIGKILL while it is generating. Another worker takes the job over
// (BullMQ's stalled-job recovery, with the default short lock), and every interaction
// gets exactly one result: 20 answered, 0 lost, 0 duplicated, counted in the requests the Discord fake received.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fake-discord/index.ts';
import {
  expectNoPingsAndShort,
  freshPrefix,
  killAtNextStart,
  logLines,
  parseCompletion,
  REDIS_URL,
  resultPosts,
  shutDown,
  slowEnv,
  spawnBard,
  tempDir,
  until,
  waitAnswered,
  waitReady,
  type Proc,
} from './harness.ts';

const INTERACTIONS = 20;
const KILLS = 4;
const LENGTH = 1000;

let fake: FakeDiscord;
let prefix: string;
let env: NodeJS.ProcessEnv;
let bot: Proc;
const workers: Proc[] = [];
const tmp = tempDir('crash');

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  // The default lock settings: a dead worker's job is taken over ~5-6 s after it died.
  env = slowEnv(fake, prefix, tmp.dir, 768, { WORKER_CONCURRENCY: '1' });
  for (const k of ['WORKER_LOCK_SECONDS', 'WORKER_STALLED_CHECK_SECONDS']) delete env[k];
  bot = spawnBard('bot', env);
  workers.push(spawnBard('worker', env), spawnBard('worker', env));
  await waitReady(fake, bot, workers);
}, 60_000);

afterAll(async () => {
  await shutDown(fake, prefix, [bot, ...workers]);
  tmp.cleanup();
}, 30_000);

describe('worker killed mid-job', () => {
  it(`${KILLS} workers killed while generating: all ${INTERACTIONS} interactions answered exactly once`, async () => {
    const users = [fake.users.alice, fake.users.bob, fake.users.owner];
    const ids: string[] = [];
    for (let i = 0; i < INTERACTIONS; i++) {
      const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: `ROMEO ${i}: what light through yonder window breaks?`, temp: 0.8, length: LENGTH }, user: users[i % 3] });
      expect(ix.delivered).toBe(1);
      ids.push(ix.id);
    }
    await fake.waitUntil(() => ids.every((id) => fake.interaction(id)?.ack === 'defer') || null, 10_000, 'every deferral');
    for (const id of ids) expect(fake.interaction(id)!.ackAt! - fake.interaction(id)!.createdAt).toBeLessThan(3000);

    // Kill a worker the moment it starts a job (first attempt), then start a replacement.
    const killed: { jobId: string; at: number }[] = [];
    while (killed.length < KILLS) {
      const hit = await killAtNextStart(fake, workers, 60_000);
      killed.push({ jobId: hit.jobId, at: hit.at });
      expect(await hit.worker.exited).toBeNull();
      workers.push(spawnBard('worker', env));
    }

    await waitAnswered(fake, ids, 120_000);

    // Exactly one result per interaction: one successful edit of the deferred reply, no follow-ups.
    for (const id of ids) {
      const posts = resultPosts(fake, id);
      expect(posts.map((r) => r.route), `interaction ${id}`).toEqual(['webhookEditMessage']);
      const [m] = fake.messagesFor(id);
      expect(fake.messagesFor(id)).toHaveLength(1);
      expect(m.history).toHaveLength(2); // the "thinking…" placeholder, then the one result
      expect([...parseCompletion(m.content)!.continuation]).toHaveLength(LENGTH);
    }
    const edits = fake.requests.filter((r) => r.route === 'webhookEditMessage');
    expect(edits).toHaveLength(INTERACTIONS);
    expect(fake.requests.filter((r) => r.route === 'followUp')).toHaveLength(0);
    expectNoPingsAndShort(fake);

    // Each killed job died before it posted anything, and was run again (by another process) to completion.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection: redis, prefix });
    try {
      for (const k of killed) {
        const interaction = k.jobId.replace(/^complete-/, '');
        expect(fake.requestsFor(interaction).filter((r) => r.route !== 'interactionCallback' && r.time < k.at), k.jobId).toEqual([]);
        const job = (await queue.getJob(k.jobId))!;
        expect(await job.getState()).toBe('completed');
        expect(job.attemptsStarted).toBeGreaterThanOrEqual(2);
        expect(job.stalledCounter).toBeGreaterThanOrEqual(1);
      }
      expect(await queue.getFailedCount()).toBe(0);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    // The killed workers never logged the killed jobs as done; live ones did.
    const doneBy = (jobId: string) => workers.filter((w) => logLines(w).some((l) => l.msg === 'job done' && l.jobId === jobId));
    for (const k of killed) await until(async () => doneBy(k.jobId).length > 0, 5000, `the log line: ${k.jobId} done`);
    for (const k of killed) expect(doneBy(k.jobId)).toHaveLength(1);
  }, 240_000);

  it('a job whose workers keep dying is not run a third time: it fails, and the user gets a notice instead of "thinking…"', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'YORICK: alas', length: LENGTH } });
    const jobId = `complete-${ix.id}`;
    for (const attempt of [1, 2]) {
      const hit = await killAtNextStart(fake, workers, 60_000, (l) => l.jobId === jobId && l.started === attempt);
      expect(await hit.worker.exited).toBeNull();
      workers.push(spawnBard('worker', env));
    }
    const [m] = await fake.waitUntil(() => {
      const ms = fake.messagesFor(ix.id);
      return ms.length && !ms[0].loading ? ms : null;
    }, 60_000, 'the notice');
    expect(m.content).toBe('Sorry, Bard lost the thread on this one. Please try again.');
    expect(resultPosts(fake, ix.id)).toHaveLength(1);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection: redis, prefix });
    try {
      const job = (await queue.getJob(jobId))!;
      expect(await job.getState()).toBe('failed');
      expect(job.failedReason).toBe('job stalled more than allowable limit');
    } finally {
      await queue.close();
      redis.disconnect();
    }
    // Nobody ran it a third time.
    const runs = workers.flatMap((w) => logLines(w)).filter((l) => l.msg === 'job started' && l.jobId === jobId);
    expect(runs.map((l) => l.started).sort()).toEqual([1, 2]);
  }, 120_000);
});
