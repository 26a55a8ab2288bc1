/**
 * `npm run soak -- --rate R --minutes M`: Bard under a steady load for M minutes, as an operator would run it
 * before trusting a release. The real bot, two real workers (`--workers`), the real Redis (a fresh key prefix,
 * deleted afterwards) and the local Discord fake; R interactions a second, of which about 70 % are `/bard`, 27 %
 * button presses on earlier results (Again, Cooler, Hotter, Continue) and 3 % `/bard-round`, each round voted
 * on by two members and revealed after 15 s.
 *
 * It samples every process's RSS and Redis every 10 s, waits at the end for the last answers (and reveals),
 * then prints one JSON line:
 *   sent, answered, lost, duplicated, stuck   over the interactions that start a job (/bard, presses, rounds):
 *       answered   the deferred reply filled once (a round: and revealed once)
 *       duplicated an interaction with more result posts than it should have (a re-run posting twice)
 *       stuck      still "thinking…" at the end
 *       lost       neither answered nor stuck (never acknowledged, or answered with an error or "busy":
 *                  those are also counted as `refused`)
 *   votes        {sent, answered}
 *   stalled      BullMQ stalled events (a worker lost a job's lock)
 *   rss          per process: MiB at the start and the end of the load, and the slope in MiB/min (least squares,
 *                over the whole load and over its second half)
 *   redis        used_memory at the start and the end, the keys under the prefix and their MEMORY USAGE,
 *                bytes per interaction, and the bytes per interaction in keys that outlive the 15-minute token
 *   per_minute   p50/p99 (ms, from dispatch to the first result posted) of the interactions sent in each minute
 *
 *   npm run soak -- --rate 8 --minutes 10
 *   npm run soak -- --rate 8 --minutes 10 --workers 2 --snapshot snapshots/bard.npz
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeDiscord, type FakeUser, type RecordedRequest, type StoredMessage } from '../test/fake-discord/index.ts';
import { bardEnv, cleanPrefix, freshPrefix, REDIS_URL, spawnBard, type Proc } from '../test/e2e/harness.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '8' },
    minutes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    snapshot: { type: 'string' },
  },
});
const RATE = Number(args.rate);
const MINUTES = Number(args.minutes);
const WORKERS = Number(args.workers);
if (!(RATE > 0) || !(MINUTES > 0) || !(WORKERS >= 1)) {
  process.stderr.write('usage: npm run soak -- --rate <per second> --minutes <minutes> [--workers 2] [--snapshot path]\n');
  process.exit(2);
}
const SAMPLE_MS = 10_000;
const ROUND_SECONDS = 15;
const TOKEN_MS = 15 * 60_000;
const PROMPTS = ['ROMEO:', 'JULIET: O Romeo, Romeo!', 'KING HENRY: Once more unto the breach', 'First Citizen:', 'HAMLET: To be, or not', 'MACBETH:'];
const ACTIONS = ['again', 'cooler', 'hotter', 'continue'];

type Kind = 'bard' | 'press' | 'round';
interface Tracked {
  kind: Kind;
  createdAt: number;
  /** Successful edits of @original, and follow-ups (none expected: every reply here fits one message). */
  edits: number[];
  followUps: number;
}

const fake = await new FakeDiscord().start();
const prefix = freshPrefix();
const env = bardEnv(fake, prefix, {
  COOLDOWN_USER_JOBS: '0',
  COOLDOWN_CHANNEL_JOBS: '0',
  LOG_LEVEL: 'info', // as in production
  ...(args.snapshot ? { SNAPSHOT: args.snapshot } : {}),
});
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue('jobs', { connection: redis, prefix });
const events = new QueueEvents('jobs', { connection: redis.duplicate(), prefix });
let stalled = 0;
events.on('stalled', () => stalled++);

const tracked = new Map<string, Tracked>();
const votes = new Map<string, boolean>();
fake.on('request', (r: RecordedRequest) => {
  if (!r.interactionId || r.status >= 300) return;
  const t = tracked.get(r.interactionId);
  if (t && r.route === 'webhookEditMessage') t.edits.push(r.time);
  else if (t && r.route === 'followUp') t.followUps++;
  else if (r.route === 'interactionCallback' && votes.has(r.interactionId)) votes.set(r.interactionId, true);
});

/** Results with buttons, to press; rounds whose vote buttons are up, to vote on. */
const results: StoredMessage[] = [];
const roundsToVote = new Set<string>();
let users: FakeUser[] = [];

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)];
}

function customIds(m: StoredMessage): string[] {
  return m.components.flatMap((row: { components: { custom_id?: string }[] }) => row.components.map((b) => b.custom_id ?? ''));
}

function track(id: string, kind: Kind, createdAt: number): void {
  tracked.set(id, { kind, createdAt, edits: [], followUps: 0 });
}

/** One interaction of the mix; presses need an earlier result to press on. */
function injectOne(): void {
  const user = pick(users);
  const r = Math.random();
  if (r < 0.03) {
    const ix = fake.injectSlashCommand({ name: 'bard-round', options: { prompt: pick(PROMPTS), temps: '0.3 0.8 1.5', seconds: ROUND_SECONDS }, user });
    track(ix.id, 'round', ix.createdAt);
    roundsToVote.add(ix.id);
    return;
  }
  if (r < 0.3 && results.length) {
    const m = pick(results.slice(-200));
    const customId = customIds(m).find((c) => c.startsWith(`bard:${pick(ACTIONS)}:`));
    if (customId) {
      const ix = fake.injectButton({ customId, messageId: m.id, user });
      track(ix.id, 'press', ix.createdAt);
      return;
    }
  }
  const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: pick(PROMPTS), temp: 0.8 }, user });
  track(ix.id, 'bard', ix.createdAt);
}

/** Remembers answered results for presses, and votes (two members) on rounds that are up. */
function harvest(): void {
  for (const id of roundsToVote) {
    if (tracked.get(id)!.edits.length) {
      roundsToVote.delete(id);
      const [m] = fake.messagesFor(id);
      const ids = m ? customIds(m).filter((c) => c.startsWith('round:vote:')) : [];
      for (const voter of ids.length ? [users[0], users[1]] : []) {
        const ix = fake.injectButton({ customId: pick(ids), messageId: m.id, user: voter });
        votes.set(ix.id, false);
      }
    }
  }
}

function rssMiB(p: Proc): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

/** The keys under the prefix with their MEMORY USAGE and remaining TTL (ms; -1 = none). */
async function prefixKeys(): Promise<{ key: string; bytes: number; ttl: number }[]> {
  const out: { key: string; bytes: number; ttl: number }[] = [];
  let cursor = '0';
  do {
    const [next, ks] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (!ks.length) continue;
    const p = redis.pipeline();
    for (const k of ks) p.memory('USAGE', k).pttl(k);
    const res = (await p.exec()) ?? [];
    ks.forEach((key, i) => out.push({ key, bytes: Number(res[2 * i][1] ?? 0), ttl: Number(res[2 * i + 1][1]) }));
  } while (cursor !== '0');
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const procs: { name: string; proc: Proc }[] = [];

try {
  const bot = spawnBard('bot', env);
  procs.push({ name: 'bot', proc: bot });
  for (let i = 0; i < WORKERS; i++) procs.push({ name: `worker${i + 1}`, proc: spawnBard('worker', env) });
  await Promise.all([
    fake.waitForGatewayReady(30_000),
    events.waitUntilReady(),
    bot.waitForLine(/"bot ready"/, 60_000),
    ...procs.slice(1).map((p) => p.proc.waitForLine(/"worker ready"/, 60_000)),
  ]);
  users = Array.from({ length: 30 }, (_, i) => fake.addUser(`soak${i}`));

  const t0 = Date.now();
  const samples: { t: number; rss: number[] }[] = [];
  const sample = () => samples.push({ t: (Date.now() - t0) / 60_000, rss: procs.map((p) => rssMiB(p.proc)) });
  const usedStart = await usedMemory();
  sample();
  let nextSample = t0 + SAMPLE_MS;
  let sent = 0;
  const end = t0 + MINUTES * 60_000;
  // Interactions are sent on a fixed schedule (R a second, evenly), whatever the answers do.
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    for (; sent < due; sent++) injectOne();
    harvest();
    if (Date.now() >= nextSample) {
      sample();
      nextSample += SAMPLE_MS;
      // New results to press on (messagesFor is a lookup; only the last few are needed).
      for (const [id, t] of [...tracked].slice(-50)) {
        if (t.kind === 'round' || !t.edits.length) continue;
        const [m] = fake.messagesFor(id);
        if (m && !results.includes(m)) results.push(m);
      }
      if (results.length > 500) results.splice(0, results.length - 500);
    }
    if (results.length < 20) {
      for (const [id, t] of [...tracked].slice(-20)) {
        const [m] = t.kind !== 'round' && t.edits.length ? fake.messagesFor(id) : [];
        if (m && !results.includes(m)) results.push(m);
      }
    }
    await sleep(Math.max(5, Math.min(100, 1000 / RATE / 2)));
  }
  sample(); // the end of the load: RSS is measured over the load only

  // The last answers and reveals: wait until nothing is thinking and every round has been revealed.
  const settled = () => [...tracked.values()].every((t) => t.edits.length >= (t.kind === 'round' ? 2 : 1));
  const drainEnd = Date.now() + (ROUND_SECONDS + 60) * 1000;
  while (!settled() && Date.now() < drainEnd) {
    harvest();
    await sleep(250);
  }
  await sleep(2000); // a late duplicate would show here

  let answered = 0;
  let duplicated = 0;
  let stuck = 0;
  let refused = 0;
  const perMinute = new Map<number, number[]>();
  for (const [id, t] of tracked) {
    const expected = t.kind === 'round' ? 2 : 1;
    const ix = fake.interaction(id);
    if (t.edits.length > expected || t.followUps > 0) duplicated++;
    if (t.edits.length >= expected) answered++;
    else if (ix?.ack === 'defer' && fake.messagesFor(id)[0]?.loading) stuck++;
    else if (ix?.ack === 'reply') refused++;
    if (t.edits.length) {
      const minute = Math.floor((t.createdAt - t0) / 60_000);
      if (!perMinute.has(minute)) perMinute.set(minute, []);
      perMinute.get(minute)!.push(t.edits[0] - t.createdAt);
    }
  }
  const perMinuteStats = [...perMinute.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([minute, ls]) => {
      ls.sort((a, b) => a - b);
      return { minute: minute + 1, n: ls.length, p50_ms: Math.round(percentile(ls, 50)), p99_ms: Math.round(percentile(ls, 99)) };
    });

  const r2 = (x: number) => Math.round(x * 100) / 100;
  const rss = Object.fromEntries(
    procs.map((p, i) => {
      const xs = samples.map((s) => s.t);
      const ys = samples.map((s) => s.rss[i]);
      // Start-up garbage is collected in the first minutes: the second half's slope says whether it keeps growing.
      const half = Math.floor(xs.length / 2);
      return [p.name, { start_mib: r2(ys[0]), end_mib: r2(ys.at(-1)!), slope_mib_per_min: r2(slope(xs, ys)), second_half_slope_mib_per_min: r2(slope(xs.slice(half), ys.slice(half))) }];
    }),
  );
  const keys = await prefixKeys();
  const keyBytes = keys.reduce((a, k) => a + k.bytes, 0);
  // What outlives the interaction tokens: keys with more than 15 minutes left, or none.
  const kept = keys.filter((k) => k.ttl === -1 || k.ttl > TOKEN_MS);
  const bullKept = kept.filter((k) => k.key.startsWith(`${prefix}:jobs:`));
  const n = tracked.size;
  const usedEnd = await usedMemory();
  process.stdout.write(
    `${JSON.stringify({
      rate: RATE,
      minutes: MINUTES,
      workers: WORKERS,
      snapshot: basename(String(env.SNAPSHOT)),
      sent: n,
      answered,
      lost: n - answered - stuck,
      duplicated,
      stuck,
      refused,
      by_kind: Object.fromEntries((['bard', 'press', 'round'] as const).map((k) => [k, [...tracked.values()].filter((t) => t.kind === k).length])),
      votes: { sent: votes.size, answered: [...votes.values()].filter(Boolean).length },
      stalled,
      failed_jobs: await queue.getFailedCount(),
      rss,
      redis: {
        used_memory_start: usedStart,
        used_memory_end: usedEnd,
        used_memory_delta_per_interaction: Math.round((usedEnd - usedStart) / n),
        keys: keys.length,
        key_bytes: keyBytes,
        bytes_per_interaction: Math.round(keyBytes / n),
        kept_past_15min_bytes_per_interaction: Math.round(kept.filter((k) => !k.key.startsWith(`${prefix}:jobs:`)).reduce((a, k) => a + k.bytes, 0) / n),
        bullmq_bytes: bullKept.reduce((a, k) => a + k.bytes, 0),
      },
      per_minute: perMinuteStats,
    })}\n`,
  );
} finally {
  await Promise.all(procs.map((p) => p.proc.stop()));
  await events.close();
  await queue.close();
  redis.disconnect();
  await fake.close();
  await cleanPrefix(prefix);
}
