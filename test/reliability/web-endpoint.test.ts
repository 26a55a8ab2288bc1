// Issue 14, items 1 and 5: the HTTP interactions endpoint (`npm run web`) as a real process, against the
// Discord fake in HTTP delivery mode and the real Redis. Forged, malformed and replayed requests are all
// refused (or, for a replay, answered once) with nothing enqueued, nothing written and nothing logged of
// their bodies; the process stays healthy; Redis being down gets the ephemeral "busy" within the deadline.
import { request } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSY } from '../../src/bot/enqueue.ts';
import { FakeDiscord, type SignedRequest } from '../fake-discord/index.ts';
import { bardEnv, freshPrefix, logLines, PrivateRedis, REDIS_URL, shutDown, spawnBard, until, waitAnswered, type Proc } from './harness.ts';
import { startFrontDoor, webPort } from '../e2e/harness.ts';

let fake: FakeDiscord;
let prefix: string;
let web: Proc;
let worker: Proc;
let redis: Redis;
let queue: Queue;
let base: string;

/** Appears in every forged body: it must never show up in a log line. */
const MARKER = 'FORGED-BODY-MARKER-6f1c';

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
  worker = spawnBard('worker', env);
  [web] = await Promise.all([startFrontDoor('http', fake, env), worker.waitForLine(/"worker ready"/, 30_000)]);
  base = fake.interactionsUrl!.replace(/\/interactions$/, '');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('jobs', { connection: redis, prefix });
}, 60_000);

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  const codes = await shutDown(fake, prefix, [web, worker]);
  expect(codes).toEqual([0, 0]);
}, 30_000);

/** A slash-command payload like Discord's, never delivered by the fake itself. */
function payload(over: Record<string, unknown> = {}) {
  return {
    id: '1300000000000000001',
    application_id: fake.appId,
    type: 2,
    token: `aW50ZXJhY3Rpb246${MARKER}`,
    version: 1,
    data: { id: '1', name: 'bard', type: 1, options: [{ name: 'prompt', type: 3, value: `ROMEO: ${MARKER}` }] },
    guild_id: fake.guildId,
    channel_id: fake.channels.bard.id,
    member: { user: { id: fake.users.alice.id, username: 'alice', global_name: null }, permissions: '0', roles: [] },
    ...over,
  };
}

/** A raw HTTP request to the endpoint: full control of method, headers, body and pacing. */
function raw(opts: { method?: string; path?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[]; gapMs?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${opts.path ?? '/interactions'}`, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => (/ECONNRESET|EPIPE|socket hang up/.test(e.message) ? resolve({ status: 0, body: e.message }) : reject(e)));
    const chunks = opts.chunks ?? [];
    let i = 0;
    const next = () => {
      if (i >= chunks.length) return req.end();
      if (req.destroyed) return;
      req.write(chunks[i++]);
      if (opts.gapMs) setTimeout(next, opts.gapMs);
      else next();
    };
    next();
  });
}

const send = (s: SignedRequest, over: { headers?: Record<string, string>; body?: string } = {}) =>
  raw({ headers: { ...s.headers, ...over.headers }, chunks: [over.body ?? s.body] });

const flipBit = (s: string) => s.slice(0, 40) + String.fromCharCode(s.charCodeAt(40) ^ 1) + s.slice(41);

async function keysUnderPrefix(): Promise<string[]> {
  return redis.keys(`${prefix}:*`);
}

async function metric(name: string, label: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('the HTTP interactions endpoint under forged, malformed and replayed requests', () => {
  it("Discord's PING gets PONG; its invalid-signature probe gets 401", async () => {
    const ping = fake.http.sign({ id: '1', application_id: fake.appId, type: 1, token: 't', version: 1 });
    expect(await send(ping)).toEqual({ status: 200, body: JSON.stringify({ type: 1 }) });
    const otherKey = generateKeyPairSync('ed25519').privateKey;
    const probe = fake.http.sign({ id: '1', application_id: fake.appId, type: 1, token: 't', version: 1 }, { key: otherKey });
    expect((await send(probe)).status).toBe(401);
  });

  it('at least 20 kinds of bad request: each refused with its status, nothing enqueued, nothing written, nothing logged', async () => {
    const keysBefore = (await keysUnderPrefix()).sort();
    const countsBefore = await queue.getJobCounts();
    const good = fake.http.sign(payload());
    const other = fake.http.sign(payload({ id: '1300000000000000002' }));
    const stale = fake.http.sign(payload(), { timestamp: String(Math.floor(Date.now() / 1000) - 600) });
    const future = fake.http.sign(payload(), { timestamp: String(Math.floor(Date.now() / 1000) + 600) });
    const wrongKey = fake.http.sign(payload(), { key: generateKeyPairSync('ed25519').privateKey });
    const signedGarbage = fake.http.sign(`not json ${MARKER}`);
    const signedEmpty = fake.http.sign('');
    const big = Buffer.alloc(300 * 1024, 'a');
    const without = (h: string) => Object.fromEntries(Object.entries(good.headers).filter(([k]) => k !== h));
    const cases: [string, Promise<{ status: number }>, number][] = [
      ['no signature headers', raw({ headers: { 'content-type': 'application/json' }, chunks: [good.body] }), 401],
      ['no signature', raw({ headers: without('x-signature-ed25519'), chunks: [good.body] }), 401],
      ['no timestamp', raw({ headers: without('x-signature-timestamp'), chunks: [good.body] }), 401],
      ['signature not hex', send(good, { headers: { 'x-signature-ed25519': 'zz'.repeat(64) } }), 401],
      ['signature too short', send(good, { headers: { 'x-signature-ed25519': good.headers['x-signature-ed25519'].slice(0, 126) } }), 401],
      ['signature all zeros', send(good, { headers: { 'x-signature-ed25519': '0'.repeat(128) } }), 401],
      ['timestamp not a number', send(good, { headers: { 'x-signature-timestamp': 'yesterday' } }), 401],
      ['timestamp changed after signing', send(good, { headers: { 'x-signature-timestamp': String(Number(good.headers['x-signature-timestamp']) + 1) } }), 401],
      ['signed with another key (Discord probe)', send(wrongKey), 401],
      ['one bit of the body flipped', send(good, { body: flipBit(good.body) }), 401],
      ['signature of another body', send(good, { body: other.body }), 401],
      ['the body with a byte appended', send(good, { body: good.body + ' ' }), 401],
      ['stale timestamp (10 minutes old), validly signed', send(stale), 401],
      ['timestamp 10 minutes ahead, validly signed', send(future), 401],
      ['body over the limit (Content-Length)', raw({ headers: { ...good.headers, 'content-length': String(big.length) }, chunks: [big] }), 413],
      ['body over the limit (chunked, no length)', raw({ headers: { ...good.headers, 'transfer-encoding': 'chunked' }, chunks: [big.subarray(0, 150 * 1024), big.subarray(150 * 1024)] }), 413],
      ['a body that trickles in too slowly', raw({ headers: { ...good.headers, 'transfer-encoding': 'chunked' }, chunks: Array.from({ length: 40 }, () => good.body.slice(0, 10)), gapMs: 100 }), 408],
      ['wrong content type', send(good, { headers: { 'content-type': 'text/plain' } }), 415],
      ['form content type', send(good, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
      ['GET /interactions', raw({ method: 'GET' }), 405],
      ['PUT /interactions', raw({ method: 'PUT', headers: good.headers, chunks: [good.body] }), 405],
      ['another path', raw({ path: '/interactions/extra', headers: good.headers, chunks: [good.body] }), 404],
      ['validly signed, not JSON', send(signedGarbage), 400],
      ['validly signed, empty body', send(signedEmpty), 400],
    ];
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const results = await Promise.all(cases.map(async ([what, p, want]) => [what, (await p).status, want] as const));
    for (const [what, got, want] of results) expect(got, what).toBe(want);

    expect(await queue.getJobCounts()).toEqual(countsBefore);
    // No new key (a worker's own stalled-check lock may expire meanwhile: keys may go, none may come).
    expect((await keysUnderPrefix()).filter((k) => !keysBefore.includes(k))).toEqual([]);
    const lines = [...web.out, ...web.err];
    expect(lines.filter((l) => l.includes(MARKER))).toEqual([]);
    expect(await metric('bard_web_rejected_total', 'reason="signature_mismatch"')).toBeGreaterThanOrEqual(6);
    expect(await metric('bard_web_rejected_total', 'reason="signature_stale"')).toBe(2);
    expect(await metric('bard_web_rejected_total', 'reason="too_large"')).toBe(2);
    expect(await metric('bard_web_rejected_total', 'reason="slow_body"')).toBe(1);
  }, 30_000);

  it('still healthy: /healthz is 200 and a real interaction is answered', async () => {
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', checks: { redis: true } });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'PUCK: Lord, what fools', length: 40 } });
    expect((await ix.delivery!).outcome).toBe('accepted');
    await waitAnswered(fake, [ix.id], 20_000);
    expect(web.child.exitCode).toBeNull();
  });

  it('a replayed request (the same bytes, at once and later) gets the same answer and makes no second job', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'JULIET: O Romeo, Romeo', length: 40 } });
    const signed = fake.http.sent.get(ix.id)!;
    // A load balancer retrying while the first is in flight, and a replay after it was answered.
    const [first, concurrent] = await Promise.all([ix.delivery!, send(signed)]);
    await waitAnswered(fake, [ix.id], 20_000);
    const later = await send(signed);
    expect(first.body).toEqual({ type: 5 });
    expect(JSON.parse(concurrent.body as unknown as string)).toEqual({ type: 5 });
    expect(JSON.parse(later.body)).toEqual({ type: 5 });
    const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.id === `complete-${ix.id}`)).toHaveLength(1);
    expect(fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage' && r.status === 200)).toHaveLength(1);
    // The log lines come through a pipe: wait for all three.
    const lines = await until(async () => {
      const ls = logLines(web).filter((l) => l.msg === 'interaction answered' && l.interaction === ix.id);
      return ls.length >= 3 ? ls : null;
    }, 5000, 'three answered lines');
    expect(lines.map((l) => l.repeat ?? false).sort()).toEqual([false, true, true]);
  });
});

describe('the HTTP endpoint with Redis down', () => {
  let own: PrivateRedis;
  let f: FakeDiscord;
  let w: Proc;

  beforeAll(async () => {
    own = await PrivateRedis.start();
    f = await new FakeDiscord().start();
    w = await startFrontDoor('http', f, bardEnv(f, freshPrefix(), { REDIS_URL: own.url }));
    await until(async () => (await fetch(f.interactionsUrl!.replace('/interactions', '/healthz'))).status === 200, 10_000, 'the endpoint to see Redis');
    await own.stop();
  }, 60_000);

  afterAll(async () => {
    expect(await shutDown(f, undefined, [w])).toEqual([0]);
    await own.stop();
  }, 30_000);

  it('answers "busy" to everyone (ephemeral, within the deadline), PONGs, and says it is unhealthy', async () => {
    const ixs = Array.from({ length: 10 }, (_, i) => f.injectSlashCommand({ name: 'bard', options: { prompt: `KING ${i}:` } }));
    const results = await Promise.all(ixs.map((ix) => ix.delivery!));
    for (const r of results) {
      expect(r.outcome).toBe('accepted');
      expect(r.ms).toBeLessThan(3000);
      expect(r.body).toEqual({ type: 4, data: { content: BUSY, flags: 64, allowed_mentions: { parse: [] } } });
    }
    for (const ix of ixs) expect(f.interaction(ix.id)).toMatchObject({ ack: 'reply', ephemeral: true });
    const ping = f.http.sign({ id: '1', application_id: f.appId, type: 1, token: 't', version: 1 });
    expect((await f.http.post(ping, 3000)).body).toEqual({ type: 1 });
    expect((await fetch(f.interactionsUrl!.replace('/interactions', '/healthz'))).status).toBe(503);
    expect(await webPort(w)).toBeGreaterThan(0);
  });
});
