/**
 * `npm run bench:bot:200`: 200 concurrent `/bard` (300 characters each) through the real bot and two real
 * workers, against the local Discord fake and the real Redis (fresh key prefix, deleted afterwards).
 * Latency is timed by the fake, from the interaction's dispatch to the result being posted (the edit of
 * the deferred reply). The last stdout line is JSON {"total", "answered", "p50_ms", "p99_ms", ...}.
 *
 *   npm run bench:bot:200
 *   npm run bench:bot:200 -- --concurrent 50 --workers 2 --concurrency 100 --length 300
 */
import { parseArgs } from 'node:util';
import { FakeDiscord } from '../test/fake-discord/index.ts';
import { bardEnv, cleanPrefix, freshPrefix, spawnBard, type Proc } from '../test/e2e/harness.ts';

const { values: args } = parseArgs({
  options: {
    concurrent: { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    // Jobs each worker batches: enough for the whole burst over the workers.
    concurrency: { type: 'string' },
    length: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(args.concurrent);
const WORKERS = Number(args.workers);
const CONCURRENCY = Number(args.concurrency ?? Math.min(256, Math.ceil(N / WORKERS)));
const LENGTH = Number(args.length);
const ROUNDS = Number(args.rounds);

const fake = await new FakeDiscord().start();
const prefix = freshPrefix();
const env = bardEnv(fake, prefix, {
  COOLDOWN_USER_JOBS: '0',
  COOLDOWN_CHANNEL_JOBS: '0',
  WORKER_CONCURRENCY: String(CONCURRENCY),
  LOG_LEVEL: 'warn',
});
const procs: Proc[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
  const deploy = spawnBard('deploy', env);
  if ((await deploy.exited) !== 0) throw new Error(`deploy-commands failed: ${deploy.err.join(' | ')}`);
  const bot = spawnBard('bot', { ...env, LOG_LEVEL: 'info' });
  const workers = Array.from({ length: WORKERS }, () => spawnBard('worker', { ...env, LOG_LEVEL: 'info' }));
  procs.push(bot, ...workers);
  await Promise.all([fake.waitForGatewayReady(30_000), bot.waitForLine(/"bot ready"/, 30_000), ...workers.map((w) => w.waitForLine(/"worker ready"/, 30_000))]);

  // When each interaction's result was posted (the first edit of the deferred reply with content).
  const posted = new Map<string, number>();
  fake.on('request', (r: { route: string; interactionId?: string; status: number; time: number }) => {
    if (r.route === 'webhookEditMessage' && r.interactionId && r.status < 300 && !posted.has(r.interactionId)) posted.set(r.interactionId, r.time);
  });
  const users = Array.from({ length: 20 }, (_, i) => fake.addUser(`bench${i}`));
  const prompts = ['ROMEO:', 'JULIET:', 'KING HENRY:', 'First Citizen:', 'HAMLET:'];

  async function burst(n: number): Promise<{ latencies: number[]; acks: number[]; answered: number; total: number }> {
    const ixs = Array.from({ length: n }, (_, i) =>
      fake.injectSlashCommand({ name: 'bard', options: { prompt: prompts[i % prompts.length], temp: 0.8, length: LENGTH }, user: users[i % users.length] }),
    );
    await fake.waitUntil(() => ixs.every((ix) => posted.has(ix.id)), 60_000).catch(() => null);
    const latencies = ixs.filter((ix) => posted.has(ix.id)).map((ix) => posted.get(ix.id)! - ix.createdAt);
    // Dispatch to the bot's deferral: the bot's share of the latency (the rest is queue, model and posting).
    const acks = ixs.filter((ix) => ix.ackAt).map((ix) => ix.ackAt! - ix.createdAt);
    return { latencies, acks, answered: latencies.length, total: n };
  }

  await burst(Math.min(N, 20)); // warm-up: first requests, lazily compiled code, thread tier-up
  const results = [];
  for (let r = 0; r < ROUNDS; r++) {
    await new Promise((res) => setTimeout(res, 500));
    const b = await burst(N);
    const sorted = b.latencies.slice().sort((x, y) => x - y);
    const acks = b.acks.slice().sort((x, y) => x - y);
    console.log(
      `burst ${r + 1}: ${b.answered}/${b.total} answered, p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, ` +
        `max ${sorted.at(-1)!.toFixed(0)} ms; deferred by the bot: p50 ${percentile(acks, 50).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms`,
    );
    results.push(b);
  }
  const all = results.flatMap((b) => b.latencies).sort((x, y) => x - y);
  const acks = results.flatMap((b) => b.acks).sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      total: results.reduce((n, b) => n + b.total, 0),
      answered: all.length,
      p50_ms: Math.round(percentile(all, 50)),
      p99_ms: Math.round(percentile(all, 99)),
      defer_p50_ms: Math.round(percentile(acks, 50)),
      defer_p99_ms: Math.round(percentile(acks, 99)),
      concurrent: N,
      workers: WORKERS,
      worker_concurrency: CONCURRENCY,
      length: LENGTH,
      bursts: ROUNDS,
    }),
  );
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await fake.close();
  await cleanPrefix(prefix);
}
