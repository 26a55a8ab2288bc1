// Issue 6, item 2: Redis goes away and comes back. The test runs its own redis-server with AOF on a
// temporary port and directory, and stops and starts it. While Redis is down the bot answers an ephemeral
// "busy, try again shortly" within Discord's 3 s; the worker stays up and reconnects; jobs accepted
// before the restart are answered after it (once each); a round whose timer ran out during the outage
// is still revealed; and the bot takes new work again.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type Injected } from '../fake-discord/index.ts';
import {
  expectNoPingsAndShort,
  logLines,
  PrivateRedis,
  resultPosts,
  shutDown,
  sleep,
  slowEnv,
  spawnBard,
  tempDir,
  until,
  waitAnswered,
  waitReady,
  type Proc,
} from './harness.ts';

let redis: PrivateRedis;
let fake: FakeDiscord;
let bot: Proc;
let worker: Proc;
const tmp = tempDir('restart');

beforeAll(async () => {
  redis = await PrivateRedis.start();
  fake = await new FakeDiscord().start();
  // Slow enough generation (~0.5 s a job) that most /bard jobs are still waiting when Redis stops.
  const env = slowEnv(fake, 'bardtest', tmp.dir, 1024, {
    REDIS_URL: redis.url,
    ROUND_MIN_SECONDS: '1',
    // One job at a time, so jobs are still waiting in Redis when it stops (a batching worker would take them all).
    WORKER_CONCURRENCY: '1',
  });
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  await waitReady(fake, bot, [worker]);
}, 60_000);

afterAll(async () => {
  const codes = await shutDown(fake, undefined, [bot, worker]);
  await redis?.close();
  tmp.cleanup();
  expect(codes).toEqual([0, 0]);
}, 30_000);

/** Ids of the jobs waiting in the private Redis (BullMQ's wait list under the test's prefix). */
async function waitingJobIds(): Promise<string[]> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    return await client.lrange('bardtest:jobs:wait', 0, -1);
  } finally {
    client.disconnect();
  }
}

function ephemeralAnswer(ix: Injected, timeoutMs = 5000) {
  return fake.waitUntil(() => fake.messagesFor(ix.id)[0], timeoutMs, `an answer to ${ix.commandName ?? ix.customId}`);
}

describe('Redis outage and restart', () => {
  it('busy while down, nothing lost across the restart, the round still revealed', async () => {
    // A round whose voting closes while Redis is down.
    const round = fake.injectSlashCommand({ name: 'bard-round', options: { prompt: 'KING:', temps: '0.5 1.5', seconds: 5 }, user: fake.users.owner });
    const roundMessage = await fake.waitUntil(() => fake.messagesFor(round.id).find((m) => !m.loading && m.content.includes('started a round')), 20_000, 'the round');
    const voteA = roundMessage.components[0].components[0].custom_id as string;
    const vote = fake.injectButton({ customId: voteA, messageId: roundMessage.id, user: fake.users.bob });
    expect((await ephemeralAnswer(vote)).content).toMatch(/^You voted for \*\*A\*\*/);

    // Jobs accepted (deferred, enqueued) just before Redis stops.
    const accepted: Injected[] = [];
    for (let i = 0; i < 6; i++) accepted.push(fake.injectSlashCommand({ name: 'bard', options: { prompt: `ROMEO ${i}: before the storm`, length: 1000 } }));
    await fake.waitUntil(() => accepted.every((ix) => fake.interaction(ix.id)!.ack === 'defer') || null, 10_000, 'the deferrals');
    // The jobs still waiting in Redis at the moment it stops (the bot enqueues right after deferring).
    const waiting = await until(async () => {
      const ids = await waitingJobIds();
      return ids.length + accepted.filter((ix) => resultPosts(fake, ix.id).length > 0).length >= accepted.length - 1 ? ids : null;
    }, 10_000, 'the jobs in Redis');
    await redis.stop();
    const downAt = fake.now();

    // While down: an ephemeral "busy" within 3 s, for commands and for votes alike.
    const busy = [
      fake.injectSlashCommand({ name: 'bard', options: { prompt: 'JULIET: is anyone there?' } }),
      fake.injectSlashCommand({ name: 'bard-round', options: { prompt: 'QUEEN:', temps: '0.3 1' } }),
      fake.injectButton({ customId: voteA, messageId: roundMessage.id, user: fake.users.alice }),
    ];
    for (const ix of busy) {
      const m = await ephemeralAnswer(ix);
      const state = fake.interaction(ix.id)!;
      expect(m.content).toMatch(/busy.*try again shortly/i);
      expect(state.ephemeral).toBe(true);
      expect(state.ackAt! - state.createdAt).toBeLessThan(3000);
    }

    // Down for a few seconds in all (long enough for the round's timer to run out), then back with its AOF.
    await sleep(Math.max(0, downAt + 5000 - fake.now()));
    expect([bot.child.exitCode, worker.child.exitCode]).toEqual([null, null]);
    await redis.start();
    const upAt = fake.now();

    // Every job accepted before the restart is answered, exactly once; some only after it, by the same worker.
    await waitAnswered(fake, accepted.map((ix) => ix.id), 60_000);
    for (const ix of accepted) expect(resultPosts(fake, ix.id), ix.id).toHaveLength(1);
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    for (const jobId of waiting) expect(resultPosts(fake, jobId.replace(/^complete-/, ''))[0].time).toBeGreaterThan(upAt);
    expect(logLines(worker).filter((l) => l.msg === 'worker ready')).toHaveLength(1);
    expect(logLines(worker).some((l) => l.msg === 'redis connection error')).toBe(true);

    // The round's reveal (a delayed job kept in Redis) still comes, with the vote cast before the outage.
    const revealed = await fake.waitUntil(() => {
      const m = fake.message(roundMessage.id)!;
      return m.content.includes('round is over') ? m : null;
    }, 30_000, 'the reveal');
    expect(revealed.content).toMatch(/The winner is \*\*A\*\* \(temperature (0\.5|1\.5)\) with 1 of 1 vote\./);
    expect(revealed.editedAt!).toBeGreaterThan(upAt);
    expect(revealed.history.filter((v) => v.content.includes('round is over'))).toHaveLength(1);

    // The bot takes new work again once its connection is back (it retries at most every 2 s).
    let again: Injected | null = null;
    for (let i = 0; i < 10 && !again; i++) {
      const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'JULIET: and now?', length: 40 } });
      await fake.waitUntil(() => fake.interaction(ix.id)!.ack, 5000, 'an answer');
      if (fake.interaction(ix.id)!.ack === 'defer') again = ix;
      else await sleep(1000);
    }
    expect(again).not.toBeNull();
    await waitAnswered(fake, [again!.id], 20_000);
    expectNoPingsAndShort(fake);
  }, 150_000);
});
