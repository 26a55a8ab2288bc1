/**
 * `npm run bench:bot`: 50 concurrent `/bard` (300 characters each) through a real front door and two real workers,
 * the local Discord fake and the real Redis (a fresh key prefix, deleted afterwards). Each latency runs from
 * the interaction's dispatch (the fake's `createdAt`) to the result being posted (the fake's `time` of the
 * edit of the deferred reply): the same clock. The last stdout line is JSON {"total", "answered", "p50_ms",
 * "p99_ms", ...} with, for naming the bottleneck, where the time went at the median and at p99:
 *   defer   dispatch → the front door's deferral reaches Discord (the HTTP response, or the callback request)
 *   enqueue dispatch → the job is in Redis (BullMQ's timestamp)
 *   wait    in Redis → a worker starts the job (BullMQ's processedOn)
 *   run     started → the result is posted (model and REST)
 * and the CPU seconds each part spent from each burst's injection to its last result (cpu_s: the front door, the workers,
 * nginx, this process with the Discord fake, Redis), since on a 2-core machine the sum over the parts is what bounds the latency,
 * and bard_cpu_ms_per_job: the CPU milliseconds per job of the front door (and nginx), the workers and Redis.
 *
 * Front doors (--mode): `gateway` (the discord.js bot, as before), `http` (nginx before two `web` replicas, the
 * fake delivering by signed POST), or `both` (one after the other in the same run, one JSON line each).
 *
 *   npm run bench:bot
 *   npm run bench:bot -- --mode both
 *   npm run bench:bot -- --concurrent 50 --workers 2 --concurrency 32 --length 300 --bursts 1
 *   npm run bench:bot -- --snapshot snapshots/bard.npz      # the shipped model instead of the H = 250 reference
 *   npm run bench:bot -- --mode both --pin                  # the fake on CPU 0, Bard's processes on the others
 *
 * --pin (Linux, needs taskset) keeps the Discord fake and this bench on CPU 0 and every Bard process (front door, nginx,
 * workers) on the other CPUs: Discord's side of the work (signing, delivering, its HTTP server) then stops competing
 * with Bard's for the same cores, as in a deployment. Redis, a system service, is left where it runs.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeDiscord, type Injected } from '../test/fake-discord/index.ts';
import { bardEnv, cleanPrefix, freshPrefix, REDIS_URL, spawnBard, webPort, type FrontDoor, type Proc } from '../test/e2e/harness.ts';
import { Nginx } from '../test/reliability/nginx.ts';

const { values: args } = parseArgs({
  options: {
    concurrent: { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    // Jobs each worker runs at once (its model thread batches them): as docker-compose sets it.
    concurrency: { type: 'string', default: '32' },
    length: { type: 'string', default: '300' },
    bursts: { type: 'string', default: '1' },
    // The model the workers serve: the reference H = 250 snapshot (the size the serving targets are set at) unless given.
    snapshot: { type: 'string' },
    mode: { type: 'string', default: 'gateway' },
    // Web replicas behind nginx in http mode.
    replicas: { type: 'string', default: '2' },
    pin: { type: 'boolean', default: false },
  },
});
if (!['gateway', 'http', 'both'].includes(args.mode!)) {
  process.stderr.write(`bench:bot: --mode must be gateway, http or both, got ${JSON.stringify(args.mode)}\n`);
  process.exit(2);
}
const MODES: FrontDoor[] = args.mode === 'both' ? ['gateway', 'http'] : [args.mode as FrontDoor];
const REPLICAS = Number(args.replicas);
const N = Number(args.concurrent);
const WORKERS = Number(args.workers);
const LENGTH = Number(args.length);
const BURSTS = Number(args.bursts);

const CPUS = availableParallelism();
if (args.pin && CPUS < 2) {
  process.stderr.write('bench:bot: --pin needs at least 2 CPUs (the fake on one, Bard on the rest)\n');
  process.exit(2);
}
/** Pins a process, all its threads, to `cpus` (a taskset list such as "0" or "1-3"). */
function pin(pid: number | undefined, cpus: string): void {
  if (!args.pin || pid === undefined) return;
  const r = spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench:bot: taskset could not pin process ${pid} to CPUs ${cpus}: ${r.error?.message ?? r.stderr.trim()}`);
}
const BARD_CPUS = CPUS > 2 ? `1-${CPUS - 1}` : '1';

let fake: FakeDiscord;
let prefix: string;
const envFor = (fake: FakeDiscord, prefix: string) => bardEnv(fake, prefix, {
  COOLDOWN_USER_JOBS: '0',
  COOLDOWN_CHANNEL_JOBS: '0',
  WORKER_CONCURRENCY: args.concurrency,
  LOG_LEVEL: 'info', // as in production (and the ready lines are info)
  ...(args.snapshot ? { SNAPSHOT: args.snapshot } : {}),
});
let procs: Proc[] = [];
/** The front door's processes: the bot, or the web replicas. */
let fronts: Proc[] = [];
let workers: Proc[] = [];
let nginx: Nginx | null = null;
/** nginx's master and workers, looked up once per run (a lookup spawns pgrep, which would be charged to the bench's CPU). */
let nginxPids: number[] = [];
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
let queue: Queue;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

interface Sample {
  total: number;
  defer: number;
  enqueue: number;
  wait: number;
  run: number;
}

/** When each interaction's result was posted: the first successful edit of its deferred reply. */
const posted = new Map<string, number>();
/** Edits that reached the fake before their deferral (404, tried again): each adds a pause to its result. */
let earlyEdits = 0;
function watchPosts(fake: FakeDiscord): void {
  fake.on('request', (r: { route: string; interactionId?: string; status: number; time: number }) => {
    if (r.route === 'webhookEditMessage' && r.interactionId && r.status < 300 && !posted.has(r.interactionId)) posted.set(r.interactionId, r.time);
    if (r.route === 'webhookEditMessage' && r.status === 404) earlyEdits++;
  });
}

type Cpu = Awaited<ReturnType<typeof cpuNow>>;
const zeroCpu = (): Cpu => ({ front: Array(fronts.length).fill(0), workers: Array(WORKERS).fill(0), nginx: 0, bench_and_fake: 0, redis: 0 });

/** One burst; `cpu` gains what each part spent from the injection to the last result posted (not the bookkeeping after). */
async function burst(n: number, cpu: Cpu): Promise<{ samples: Sample[]; total: number }> {
  const users = Array.from({ length: Math.min(n, 25) }, (_, i) => fake.addUser(`bench${i}`));
  const prompts = ['ROMEO:', 'JULIET:', 'KING HENRY:', 'First Citizen:', 'HAMLET:'];
  const before = await cpuNow();
  const ixs: Injected[] = Array.from({ length: n }, (_, i) =>
    fake.injectSlashCommand({ name: 'bard', options: { prompt: prompts[i % prompts.length], temp: 0.8, length: LENGTH }, user: users[i % users.length] }),
  );
  await fake.waitUntil(() => ixs.every((ix) => posted.has(ix.id)) || null, 120_000, 'every result').catch(() => null);
  const after = await cpuNow();
  after.front.forEach((f, i) => (cpu.front[i] += f - before.front[i]));
  after.workers.forEach((w, i) => (cpu.workers[i] += w - before.workers[i]));
  cpu.nginx += after.nginx - before.nginx;
  cpu.bench_and_fake += after.bench_and_fake - before.bench_and_fake;
  cpu.redis += after.redis - before.redis;
  const samples: Sample[] = [];
  for (const ix of ixs) {
    const at = posted.get(ix.id);
    if (at === undefined) continue;
    const job = await queue.getJob(`complete-${ix.id}`);
    samples.push({
      total: at - ix.createdAt,
      defer: (ix.ackAt ?? NaN) - ix.createdAt,
      enqueue: (job?.timestamp ?? NaN) - ix.createdAt,
      wait: (job?.processedOn ?? NaN) - (job?.timestamp ?? NaN),
      run: at - (job?.processedOn ?? NaN),
    });
  }
  return { samples, total: n };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function pidCpu(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

const childCpu = (p: Proc) => pidCpu(p.child.pid);

async function redisCpu(): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** CPU seconds used so far by the front door's processes, each worker, nginx, this process (the bench and the fake) and Redis. */
async function cpuNow() {
  const own = process.cpuUsage();
  return {
    front: fronts.map(childCpu),
    workers: workers.map(childCpu),
    nginx: nginxPids.reduce((sum, pid) => sum + pidCpu(pid), 0),
    bench_and_fake: (own.user + own.system) / 1e6,
    redis: await redisCpu(),
  };
}

const row = (samples: Sample[], key: keyof Sample) => samples.map((s) => s[key]).sort((a, b) => a - b);
const ms = (x: number) => Math.round(x);

/** Starts the front door of `mode`, the workers and (for http) nginx, for one measured run. */
async function start(mode: FrontDoor, env: NodeJS.ProcessEnv): Promise<void> {
  workers = Array.from({ length: WORKERS }, () => spawnBard('worker', env));
  const ready: Promise<unknown>[] = workers.map((w) => w.waitForLine(/"worker ready"/, 60_000));
  if (mode === 'gateway') {
    fronts = [spawnBard('bot', env)];
    ready.push(fake.waitForGatewayReady(30_000), fronts[0].waitForLine(/"bot ready"/, 30_000));
  } else {
    fronts = Array.from({ length: REPLICAS }, () => spawnBard('web', env));
    nginx = await Nginx.start(await Promise.all(fronts.map((f) => webPort(f))));
    fake.interactionsUrl = nginx.url;
    nginxPids = nginx.pids();
  }
  procs = [...fronts, ...workers];
  await Promise.all(ready);
  // Pinned once every process has started its threads (a thread started later inherits its creator's CPUs).
  for (const pid of [...procs.map((p) => p.child.pid), ...nginxPids]) pin(pid, BARD_CPUS);
  pin(process.pid, '0');
}

async function stop(): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
  await nginx?.stop();
  nginx = null;
  nginxPids = [];
  await queue?.close();
  await fake?.close();
  if (prefix) await cleanPrefix(prefix);
}

async function measure(mode: FrontDoor): Promise<void> {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  queue = new Queue('jobs', { connection: redis, prefix });
  watchPosts(fake);
  const env = envFor(fake, prefix);
  await start(mode, env);

  // Warm-up as large as a measured burst: connections (in http mode, one per request in flight, fake → nginx → web), lazily compiled code.
  await burst(N, zeroCpu());
  earlyEdits = 0;
  const cpu = zeroCpu();
  const samples: Sample[] = [];
  let total = 0;
  for (let b = 0; b < BURSTS; b++) {
    await new Promise((r) => setTimeout(r, 500));
    const r = await burst(N, cpu);
    samples.push(...r.samples);
    total += r.total;
    const t = row(r.samples, 'total');
    process.stdout.write(`${mode} burst ${b + 1}: ${r.samples.length}/${r.total} answered, p50 ${ms(percentile(t, 50))} ms, p99 ${ms(percentile(t, 99))} ms, max ${ms(t.at(-1) ?? NaN)} ms\n`);
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const cpu_s = { front: cpu.front.map(r2), workers: cpu.workers.map(r2), nginx: r2(cpu.nginx), bench_and_fake: r2(cpu.bench_and_fake), redis: r2(cpu.redis) };
  const phases = Object.fromEntries(
    (['defer', 'enqueue', 'wait', 'run'] as const).map((k) => {
      const s = row(samples, k);
      return [k, { p50_ms: ms(percentile(s, 50)), p99_ms: ms(percentile(s, 99)) }];
    }),
  );
  const all = row(samples, 'total');
  process.stdout.write(
    `${JSON.stringify({
      mode,
      total,
      answered: samples.length,
      p50_ms: ms(percentile(all, 50)),
      p99_ms: ms(percentile(all, 99)),
      phases,
      edits_before_deferral: earlyEdits,
      cpu_s,
      // Bard's own CPU per job (front door, nginx in http mode, workers, Redis; not the fake and the bench): what carries to a deployment.
      bard_cpu_ms_per_job: Math.round((([...cpu.front, ...cpu.workers].reduce((a, b) => a + b, 0) + cpu.nginx + cpu.redis) / total) * 1000 * 100) / 100,
      concurrent: N,
      front: mode === 'gateway' ? 'bot' : `nginx + ${REPLICAS} web`,
      workers: WORKERS,
      worker_concurrency: Number(args.concurrency),
      snapshot: basename(String(env.SNAPSHOT)),
      length: LENGTH,
      pinned: args.pin ? { fake: '0', bard: BARD_CPUS } : null,
    })}\n`,
  );
}

try {
  for (const mode of MODES) {
    try {
      await measure(mode);
    } finally {
      await stop();
    }
  }
} finally {
  redis.disconnect();
}
