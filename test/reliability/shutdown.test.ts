// Issue 6, item 5: graceful shutdown. On SIGTERM a worker takes no new job, finishes its active ones
// within SHUTDOWN_TIMEOUT_SECONDS and exits 0; the jobs still waiting stay in Redis for the next worker.
// A job that outlasts the bound is left to another worker (exit 1), and is still answered once. The
// bot stops taking interactions, lets the one in flight finish, and exits 0.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type Injected, type RecordedRequest } from '../fake-discord/index.ts';
import {
  expectNoPingsAndShort,
  freshPrefix,
  logLines,
  logged,
  originalPath,
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

let fake: FakeDiscord;
let prefix: string;
let env: NodeJS.ProcessEnv;
let bot: Proc;
const procs: Proc[] = [];
let redis: Redis;
let queue: Queue;
const tmp = tempDir('shutdown');

function worker(extra: Record<string, string> = {}): Proc {
  const p = spawnBard('worker', { ...env, ...extra });
  procs.push(p);
  return p;
}

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  env = slowEnv(fake, prefix, tmp.dir, 1024, {
    SHUTDOWN_TIMEOUT_SECONDS: '10',
    WORKER_LOCK_SECONDS: '5',
    WORKER_STALLED_CHECK_SECONDS: '1',
  });
  bot = spawnBard('bot', env);
  procs.push(bot);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('jobs', { connection: redis, prefix });
  await waitReady(fake, bot);
}, 60_000);

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await shutDown(fake, prefix, procs);
  tmp.cleanup();
}, 30_000);

function bard(prompt: string, length = 1000): Injected {
  const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt, length } });
  expect(ix.delivered).toBe(1);
  return ix;
}

const jobId = (ix: Injected) => `complete-${ix.id}`;

/** Index of the first log line of `p` with this message (Infinity when none). */
const lineOf = (p: Proc, pred: (l: Record<string, any>) => boolean) => {
  const i = logLines(p).findIndex(pred);
  return i < 0 ? Infinity : i;
};

describe('graceful shutdown', () => {
  let next: Proc;

  it('worker: SIGTERM mid-job finishes the active jobs, exits 0 within the bound; waiting jobs stay in Redis for the next worker', async () => {
    const a = worker({ WORKER_CONCURRENCY: '2' });
    await a.waitForLine(/"worker ready"/, 30_000);
    const ixs = Array.from({ length: 5 }, (_, i) => bard(`ROMEO ${i}: good night, good night`));
    await a.waitForLine(/"job started"/, 20_000);
    const sentAt = Date.now();
    a.child.kill('SIGTERM');
    const code = await a.exited;
    const tookMs = Date.now() - sentAt;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);

    const lines = logLines(a);
    const stopAt = lineOf(a, (l) => l.msg === 'shutting down: finishing active jobs');
    expect(stopAt).toBeLessThan(Infinity);
    const started = lines.filter((l) => l.msg === 'job started').map((l) => l.jobId);
    // Every job it had started was finished and posted.
    expect(started.length).toBeGreaterThanOrEqual(1);
    for (const id of started) expect(lines.some((l) => l.msg === 'job done' && l.jobId === id), id).toBe(true);
    // It took no new job once shutting down: at most its two slots' worth were ever started (one may have been
    // fetched from Redis as the signal arrived, and is then finished like any active job), and none after a slot freed.
    expect(started.length).toBeLessThanOrEqual(2);
    const firstDone = lineOf(a, (l) => l.msg === 'job done');
    expect(lines.slice(Math.max(stopAt, firstDone)).some((l) => l.msg === 'job started')).toBe(false);
    const done = ixs.filter((ix) => started.includes(jobId(ix)));
    for (const ix of done) expect(resultPosts(fake, ix.id)).toHaveLength(1);

    // The rest are still waiting in Redis, untouched.
    const left = ixs.filter((ix) => !started.includes(jobId(ix)));
    expect(left.length).toBeGreaterThanOrEqual(1);
    for (const ix of left) {
      expect(await (await queue.getJob(jobId(ix)))!.getState()).toBe('waiting');
      expect(fake.messagesFor(ix.id)[0].loading).toBe(true);
    }

    // The next worker answers them, once each.
    next = worker();
    await waitAnswered(fake, left.map((ix) => ix.id), 60_000);
    for (const ix of ixs) expect(resultPosts(fake, ix.id), ix.id).toHaveLength(1);
  }, 120_000);

  it('worker: a job that outlasts the bound is left to another worker (exit 1 at the bound) and still answered once', async () => {
    expect(await next.stop()).toBe(0);
    // Its lock (8 s) outlasts the bound plus Discord's delay below: nobody takes the job over before its reply lands.
    const c = worker({ SHUTDOWN_TIMEOUT_SECONDS: '2', WORKER_LOCK_SECONDS: '8' });
    await c.waitForLine(/"worker ready"/, 30_000);
    const ix = bard('JULIET: parting is such sweet sorrow', 200);
    // Discord takes 3.5 s to answer this reply's edit: the job is still posting when the bound runs out.
    const slow = fake.injectFault({ path: (m, p) => m === 'PATCH' && p === originalPath(fake, ix.token), delayMs: 3500 });
    // SIGTERM the moment the job starts: it generates, sends its edit, and is still waiting for Discord at the bound.
    await c.waitForLine(/"job started"/, 30_000);
    const sentAt = Date.now();
    const killAt = fake.now();
    c.child.kill('SIGTERM');
    const d = worker();
    next = d;
    expect(await c.exited).toBe(1);
    const tookMs = Date.now() - sentAt;
    const exitAt = fake.now();
    expect(tookMs).toBeGreaterThanOrEqual(1900);
    expect(tookMs).toBeLessThan(3400);
    expect(slow.hits).toBe(1);
    expect(logLines(c).some((l) => l.msg === 'active jobs did not finish in time; they stay in Redis for another worker')).toBe(true);

    // The other worker takes the job over once its lock runs out, sees the reply already landed, and does not post it again.
    await until(async () => (await (await queue.getJob(jobId(ix)))?.getState()) === 'completed', 30_000, 'the job to complete');
    const edits: RecordedRequest[] = fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage');
    // One edit only: the slow one, sent by the worker that was stopped, after the signal and before it exited.
    expect(edits.map((r) => r.status)).toEqual([200]);
    expect(edits[0].time).toBeGreaterThan(killAt);
    expect(edits[0].time).toBeLessThan(exitAt);
    expect(slow.hits).toBe(1);
    await logged(d, (l) => l.msg === 'reply already posted by an earlier run' && l.interaction === ix.id, 'reply already posted');
    expect(fake.messagesFor(ix.id)[0].history).toHaveLength(2);
  }, 90_000);

  it('bot: SIGTERM lets the interaction in flight finish its enqueue, takes no new ones, exits 0', async () => {
    await next.waitForLine(/"worker ready"/, 30_000);
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'PUCK: lord, what fools', length: 40 } });
    // SIGTERM the moment the bot has deferred, while it is enqueueing the job.
    const onDefer = (r: RecordedRequest) => {
      if (r.route === 'interactionCallback' && r.interactionId === ix.id) {
        bot.child.kill('SIGTERM');
        fake.off('request', onDefer);
      }
    };
    fake.on('request', onDefer);
    expect(await bot.exited).toBe(0);
    expect(logLines(bot).some((l) => l.msg === 'shutting down')).toBe(true);
    // The interaction in flight was enqueued (not abandoned with "busy") and answered.
    await waitAnswered(fake, [ix.id], 30_000);
    expect(fake.messagesFor(ix.id)[0].content).toMatch(/PUCK: lord, what fools/);
    // Nobody takes interactions any more: no live gateway session.
    const after = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'anyone?' } });
    expect(after.delivered).toBe(0);
    expectNoPingsAndShort(fake);
  }, 60_000);
});
