// Issue 6, item 3: Discord REST errors injected by the fake while a worker posts a result.
// 429 with retry_after is waited out; 5xx and dropped connections are retried after a growing pause, a
// bounded number of times; a dead interaction token (401/404, or an interaction older than 15 minutes)
// falls back to a plain channel message, or to a logged give-up. The worker never crashes, and the
// number of requests the fake received is asserted every time: no retry storm.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, snowflakeTime, type Injected, type RecordedRequest } from '../fake-discord/index.ts';
import {
  bardEnv,
  beforeItsDeferral,
  expectNoPingsAndShort,
  freshPrefix,
  logLines,
  logged,
  originalPath,
  parseCompletion,
  REDIS_URL,
  resultPosts,
  shutDown,
  sleep,
  spawnBard,
  until,
  waitAnswered,
  waitReady,
  type Proc,
} from './harness.ts';

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
let worker: Proc;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('jobs', { connection: redis, prefix });
  await waitReady(fake, bot, [worker]);
}, 60_000);

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  const codes = await shutDown(fake, prefix, [bot, worker]);
  expect(codes).toEqual([0, 0]);
}, 30_000);

function bard(prompt: string, length = 60): Injected {
  const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt, temp: 0.7, length } });
  expect(ix.delivered).toBe(1);
  return ix;
}

/** Faults on one interaction's @original edit only (registered before its job can reach a worker). */
const onOriginal = (ix: Injected) => (method: string, path: string) => method === 'PATCH' && path === originalPath(fake, ix.token);

const edits = (ix: Injected): RecordedRequest[] => fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage');
const jobState = async (ix: Injected) => (await queue.getJob(`complete-${ix.id}`))?.getState();

describe('Discord REST errors while a worker posts', () => {
  it('429 with retry_after: the worker waits that long, then posts once', async () => {
    const ix = bard('ROMEO: a rate limit');
    const fault = fake.rateLimit(onOriginal(ix), { retryAfter: 1.2, times: 1 });
    await waitAnswered(fake, [ix.id], 20_000);
    const [limited, ok] = edits(ix);
    expect(edits(ix)).toHaveLength(2);
    expect([limited.status, limited.injected, ok.status]).toEqual([429, true, 200]);
    expect(ok.time - limited.respondedAt).toBeGreaterThanOrEqual(1200);
    expect(fault.hits).toBe(1);
    expect(resultPosts(fake, ix.id)).toHaveLength(1);
  });

  it('5xx twice: retried after a growing pause, then posted once (3 requests)', async () => {
    const ix = bard('JULIET: a flaky server');
    fake.failNext(onOriginal(ix), 500, { times: 1 });
    fake.failNext(onOriginal(ix), 502, { times: 1 });
    await waitAnswered(fake, [ix.id], 20_000);
    const tries = edits(ix);
    expect(tries.map((r) => r.status)).toEqual([500, 502, 200]);
    // Pauses of ~250 ms and ~1000 ms (±25 %): backoff, not a tight loop.
    expect(tries[1].time - tries[0].respondedAt).toBeGreaterThanOrEqual(180);
    expect(tries[2].time - tries[1].respondedAt).toBeGreaterThanOrEqual(740);
    expect(parseCompletion(fake.messagesFor(ix.id)[0].content)).not.toBeNull();
  });

  it('a dropped connection is retried like a 5xx', async () => {
    const ix = bard('HAMLET: a cut cable');
    fake.injectFault({ path: onOriginal(ix), drop: true, times: 1 });
    await waitAnswered(fake, [ix.id], 20_000);
    expect(edits(ix).map((r) => r.status)).toEqual([0, 200]);
  });

  it('5xx that never ends: a bounded number of requests (3 tries × 3 job attempts), no notice, then silence', async () => {
    const ix = bard('KING: the server is on fire');
    const fault = fake.failNext(onOriginal(ix), 503, { times: Infinity });
    await until(async () => (await jobState(ix)) === 'failed', 30_000, 'the job to fail for good');
    expect(edits(ix)).toHaveLength(9);
    const times = edits(ix).map((r) => r.time);
    // The job attempts are spaced by the queue's backoff (1 s, then 2 s) on top of the poster's pauses.
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(900);
    expect(times[6] - times[5]).toBeGreaterThanOrEqual(1900);
    await sleep(2500);
    expect(edits(ix)).toHaveLength(9);
    expect(fault.hits).toBe(9);
    fault.cancel();
    // Each retry of the job first asks whether the reply is still "thinking" (it is); nothing else was
    // attempted on the failing webhook: no notice, no follow-up.
    const others = fake.requestsFor(ix.id).filter((r) => r.route !== 'interactionCallback' && r.route !== 'webhookEditMessage');
    expect(others.map((r) => [r.route, r.status, r.response?.flags])).toEqual([
      ['webhookGetMessage', 200, 128],
      ['webhookGetMessage', 200, 128],
    ]);
    expect(fake.messagesFor(ix.id)[0].loading).toBe(true);
    expect(logLines(worker).some((l) => l.msg === 'job failed' && l.jobId === `complete-${ix.id}` && l.last === true)).toBe(true);
  });

  it('a dead token (401 from the webhook) falls back to one plain channel message, pinging nobody', async () => {
    const ix = bard('OTHELLO: <@' + fake.users.bob.id + '> @everyone my token expired');
    fake.failNext(onOriginal(ix), 401);
    const channelId = fake.channels.bard.id;
    const before = fake.channelMessages(channelId).length;
    await fake.waitUntil(() => fake.channelMessages(channelId).length > before || null, 20_000, 'a channel message');
    await sleep(300);
    const posted = fake.channelMessages(channelId).slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0].authorId).toBe(fake.botUser.id);
    expect(parseCompletion(posted[0].content)!.prompt).toBe(`OTHELLO: <@${fake.users.bob.id}> @everyone my token expired`);
    expect(fake.pings(posted[0])).toEqual({ users: [], roles: [], everyone: false });
    expect(edits(ix).map((r) => r.status)).toEqual([401]);
    const channelPosts = fake.requests.filter((r) => r.route === 'createChannelMessage');
    expect(channelPosts.at(-1)!.allowedMentions).toEqual({ parse: [] });
    expect(channelPosts.at(-1)!.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(await jobState(ix)).toBe('completed');
  });

  it('an interaction that expires while its job runs (401 50027 from the fake): channel message instead', async () => {
    const ix = bard('MACBETH: tomorrow, and tomorrow');
    // Expire the token the moment the bot has deferred, before the worker can post.
    const expire = (r: RecordedRequest) => {
      if (r.route === 'interactionCallback' && r.interactionId === ix.id) {
        fake.expireInteraction(ix.id);
        fake.off('request', expire);
      }
    };
    fake.on('request', expire);
    const channelId = fake.channels.bard.id;
    await until(async () => (await jobState(ix)) === 'completed', 20_000, 'the job to complete');
    const tried = edits(ix).map((r) => [r.status, r.response?.code]);
    // Under load the first edit can beat the deferral to the fake (404 10015, retried by design until it lands).
    expect(tried.at(-1)).toEqual([401, 50027]);
    expect(tried.slice(0, -1).every(([status, code]) => status === 404 && code === 10015)).toBe(true);
    const m = fake.channelMessages(channelId).find((x) => x.content.includes('MACBETH: tomorrow, and tomorrow'));
    expect(m).toBeDefined();
  });

  it('an interaction older than 15 minutes: straight to the channel, the dead webhook never tried', async () => {
    const channelId = fake.channels.general.id;
    // A snowflake from 20 minutes ago (the fake only makes fresh ones).
    const old = ((BigInt(Date.now() - 20 * 60_000) - 1420070400000n) << 22n).toString();
    expect(Date.now() - snowflakeTime(old)).toBeGreaterThan(15 * 60_000);
    const token = `aW50ZXJhY3Rpb246${old}:long-gone`;
    await queue.add(
      'complete',
      {
        target: { interactionId: old, token, channelId },
        channelId,
        author: { id: fake.users.alice.id, name: 'alice' },
        prompt: 'PROSPERO: our revels now are ended',
        temp: 0.6,
        length: 40,
        seed: 42,
      },
      { jobId: `complete-${old}`, attempts: 3 },
    );
    const m = await fake.waitUntil(() => fake.channelMessages(channelId).find((x) => x.content.includes('PROSPERO')), 20_000, 'the channel message');
    expect(m.allowedMentions).toEqual({ parse: [] });
    expect(fake.requests.filter((r) => r.path.includes(token))).toEqual([]);
    await until(async () => (await (await queue.getJob(`complete-${old}`))?.getState()) === 'completed', 5000, 'the job to complete');
    await logged(worker, (l) => l.msg === 'interaction token expired by age; posting to the channel instead' && l.interaction === old, 'token expired by age');
  });

  it('a deferral that lands after the first edit (404 once): the edit is tried again and fills the reply', async () => {
    const ix = bard('VIOLA: make me a willow cabin at your gate');
    fake.failNext(onOriginal(ix), 404);
    await waitAnswered(fake, [ix.id], 20_000);
    expect(edits(ix).map((r) => r.status)).toEqual([404, 200]);
    expect(fake.channelMessages(fake.channels.bard.id).filter((m) => m.content.includes('willow cabin'))).toEqual([]);
    await logged(worker, (l) => l.msg === 'deferral not landed yet; retrying the first edit' && l.interaction === ix.id, 'the retry');
  });

  it('dead token (401) and the channel refuses too (403): one try each, a logged give-up, the job completes', async () => {
    const ix = bard('LEAR: nothing will come of nothing');
    fake.failNext(onOriginal(ix), 401);
    const channelId = fake.channels.bard.id;
    const refuse = fake.failNext((method, path) => method === 'POST' && path === `/channels/${channelId}/messages`, 403, { body: { message: 'Missing Permissions', code: 50013 } });
    await until(async () => (await jobState(ix)) === 'completed', 20_000, 'the job to complete');
    expect(edits(ix).map((r) => r.status)).toEqual([401]);
    expect(refuse.hits).toBe(1);
    const giveUp = await logged(worker, (l) => l.msg === 'gave up posting: the channel refused the message too' && l.interaction === ix.id, 'the give-up');
    expect(giveUp).toMatchObject({ level: 50, channel: channelId });
    expect(fake.interaction(ix.id)!.followUpIds).toEqual([]);
  });

  it('a deferral that never lands (404 on every edit): tried until the acknowledgement deadline, then the channel', async () => {
    const ix = bard('HAMLET: the rest is silence');
    fake.failNext(onOriginal(ix), 404, { times: Infinity });
    const posted = await fake.waitUntil(() => fake.channelMessages(fake.channels.bard.id).find((m) => m.content.includes('the rest is silence')), 20_000);
    const tries = edits(ix);
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.every((r) => r.status === 404)).toBe(true);
    // Retried while the deferral could still land (Discord's 3 s), then given up within a bounded number of tries.
    expect(tries.at(-1)!.time - ix.createdAt).toBeGreaterThan(3000);
    expect(tries.length).toBeLessThanOrEqual(12);
    expect(posted.allowedMentions).toEqual({ parse: [] });
  }, 30_000);

  it('after all that: the same worker process is alive and answers normally; every message was safe', async () => {
    expect(worker.child.exitCode).toBeNull();
    expect(logLines(worker).filter((l) => l.msg === 'worker ready')).toHaveLength(1);
    const ix = bard('PUCK: if we shadows have offended');
    await waitAnswered(fake, [ix.id], 20_000);
    expect(edits(ix).filter((r) => !beforeItsDeferral(fake, r)).map((r) => r.status)).toEqual([200]);
    expect(bot.child.exitCode).toBeNull();
    expectNoPingsAndShort(fake);
  });
});
