/**
 * `npm run worker`: a BullMQ worker. Loads every model in BARD_MODELS once, then for each job validates the
 * payload, checks it names a model this worker has (the very file: name and hash), runs that model and posts
 * the result to Discord over REST. Run as many as you like, on as many
 * machines, against one Redis. SIGTERM: stop taking jobs, let active ones finish within a bound, exit.
 */
import { REST } from '@discordjs/rest';
import { UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { loadConfigOrExit } from '../config.ts';
import { createLogger, logFatalErrors } from '../log.ts';
import { InvalidJobError, parseJob } from '../queue/jobs.ts';
import { BullProducer } from '../queue/producer.ts';
import { workerConnection } from '../queue/redis.ts';
import { ModelUnavailableError } from '../models/registry.ts';
import { Serving } from '../serve/worker-serving.ts';
import { RedisStore } from '../store/redis.ts';
import { DiscordPoster, DiscordRejectedError, DiscordUnavailableError } from './discord-poster.ts';
import { runJob, targetOf, type JobDeps } from './jobs.ts';
import { loadRegistryOrExit } from '../models/startup.ts';

const config = loadConfigOrExit('worker');
const log = createLogger('bard-worker', config.logLevel, [config.discordToken]);
logFatalErrors(log);

const models = loadRegistryOrExit('worker', config, log);

const redis = workerConnection(config.redisUrl);
redis.on('error', (e) => log.warn({ err: e.message }, 'redis connection error'));
// The posting records of every job in flight share one pipelined connection, apart from BullMQ's.
const storeRedis = workerConnection(config.redisUrl, { autoPipelining: true });
storeRedis.on('error', (e) => log.warn({ err: e.message }, 'redis (store) connection error'));
const store = new RedisStore(storeRedis, config.prefix);
const producer = new BullProducer(redis, config.queueName, config.prefix);
// No immediate retries inside @discordjs/rest: the poster retries 5xx with a pause (429s are still waited out).
const api = config.discordApiUrl ? { api: config.discordApiUrl } : {};
const rest = new REST({ version: '10', retries: 0, ...api }).setToken(config.discordToken);
// Interaction webhooks are not bound by the bot's global rate limit: without the client-side 50/s limiter,
// a burst of results is posted at once instead of 50 a second (per-route limits from Discord still apply).
// Its rate-limit handlers are keyed by webhook id and token, so there is one per interaction: sweep the idle ones every
// minute (not hourly, the default), or a worker holds an hour of them (the soak saw ~0.4 MiB/min of growth).
const webhookRest = new REST({ version: '10', retries: 0, globalRequestsPerSecond: Number.MAX_SAFE_INTEGER, handlerSweepInterval: 60_000, ...api });
const poster = new DiscordPoster(rest, config.appId, store, { log, webhookRest });

// The model runs in worker threads that batch every stream in flight; this event loop only passes messages,
// so lock renewal, Redis and Discord stay responsive. /metrics and /healthz are served on METRICS_PORT.
let serving: Serving;
try {
  serving = await Serving.start({
    models: models.entries.map((e) => ({ name: e.card.name, model: e.model })),
    capacity: config.workerConcurrency,
    threads: config.serveThreads,
    metricsPort: config.metricsPort,
    log,
    jobCounts: () => producer.queue.getJobCounts(),
    redisReady: () => redis.status === 'ready' && storeRedis.status === 'ready',
  });
} catch (e) {
  process.stderr.write(`bard worker: cannot start the model threads: ${(e as Error).message}\n`);
  process.exit(1);
}

const deps: JobDeps = {
  generate: serving.generate,
  explain: serving.explain,
  models,
  store,
  poster,
  producer,
  stateTtlMs: config.stateTtlMs,
  now: Date.now,
  log,
};

const LOST_THREAD = 'Sorry, Bard lost the thread on this one. Please try again.';

async function processJob(bull: BullJob): Promise<void> {
  let job;
  try {
    job = parseJob(bull.name, bull.data);
  } catch (e) {
    if (e instanceof InvalidJobError) {
      log.error({ jobId: bull.id, err: e.message }, 'rejected a job that failed validation');
      throw new UnrecoverableError(e.message);
    }
    throw e;
  }
  const started = Date.now();
  // attemptsStarted > 1: a retry, or a take-over from a worker that died (stalled job).
  log.info({ jobId: bull.id, job: job.name, started: bull.attemptsStarted }, 'job started');
  try {
    await runJob(job, deps);
    log.info({ jobId: bull.id, job: job.name, ms: Date.now() - started }, 'job done');
  } catch (e) {
    // A request Discord refused would be refused again: no retry. Discord being down: retry later.
    // A model this worker lacks (or has another file of) would be lacking again: no retry, and the user is told.
    const refused = e instanceof DiscordRejectedError || e instanceof ModelUnavailableError;
    const last = refused || bull.attemptsMade + 1 >= (bull.opts.attempts ?? 1);
    log.error({ jobId: bull.id, job: job.name, attempt: bull.attemptsMade + 1, last, err: (e as Error).message }, 'job failed');
    const target = targetOf(job);
    // No notice when Discord itself is failing: it would fail the same way.
    if (last && target && !(e instanceof DiscordUnavailableError)) {
      const text = e instanceof ModelUnavailableError ? e.message : LOST_THREAD;
      await poster.show(target, { kind: 'notice', text }).catch((err: Error) => log.warn({ jobId: bull.id, err: err.message }, 'could not post the failure notice'));
    }
    throw refused ? new UnrecoverableError((e as Error).message) : e;
  }
}

const worker = new Worker(config.queueName, processJob, {
  connection: redis,
  prefix: config.prefix,
  concurrency: config.workerConcurrency,
  // A worker killed mid-job stops renewing its lock; after lockDuration another worker's stalled check takes the job over.
  lockDuration: config.lockMs,
  stalledInterval: config.stalledIntervalMs,
});
serving.watch(worker);
worker.on('error', (e) => log.warn({ err: e.message }, 'worker error'));
// Logged by the worker whose check found it: a live worker's job showing up here means its lock renewal fell behind.
worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled: its worker stopped renewing the lock; queued again'));
// A job whose workers kept dying (BullMQ's stall limit) is failed by the next worker without running it:
// stop there (it may be what kills them), but tell the user rather than leave "thinking…" forever.
worker.on('failed', (bull, err) => {
  if (!bull?.deferredFailure) return;
  log.error({ jobId: bull.id, err: err.message }, 'job failed for good: its workers kept stopping mid-job');
  let target;
  try {
    target = targetOf(parseJob(bull.name, bull.data));
  } catch {
    return;
  }
  if (target) void poster.show(target, { kind: 'notice', text: LOST_THREAD }).catch(() => {});
});
worker.on('ready', () =>
  log.info({ queue: config.queueName, prefix: config.prefix, models: models.cards.map((c) => `${c.name}@${c.hash}`), concurrency: config.workerConcurrency, threads: config.serveThreads }, 'worker ready'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down: finishing active jobs');
  // worker.close() waits for active jobs with no timeout of its own: bound it.
  const closed = await Promise.race([
    worker.close().then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), config.shutdownTimeoutMs).unref()),
  ]);
  if (!closed) log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'active jobs did not finish in time; they stay in Redis for another worker');
  await serving.close().catch(() => {});
  await producer.close().catch(() => {});
  redis.disconnect();
  storeRedis.disconnect();
  process.exit(closed ? 0 : 1);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
