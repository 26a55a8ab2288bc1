/**
 * The one place where Bard reads its configuration: the environment (and a `.env` file, through
 * dotenv), checked with zod at start-up. Every missing or wrong variable gets one line that says
 * what is wrong and what is expected, and the process stops before it touches Discord or Redis.
 */
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { LIMITS } from './bard/limits.ts';
import { DEFAULT_MODELS } from './snapshot/index.ts';

/** Which process is starting: each needs a different subset of the variables. */
export type Role = 'bot' | 'web' | 'worker' | 'deploy' | 'play';

export interface Config {
  discordToken: string;
  appId: string;
  guildId: string | null;
  /** REST base, e.g. http://127.0.0.1:3000/api for the local fake; null means discord.com. */
  discordApiUrl: string | null;
  redisUrl: string;
  /** BARD_MODELS: the .npz files and folders of .npz to serve, comma-separated; the first model is the default. */
  models: string;
  /** BARD_MODELS_STRICT: a bad model file stops the start (true) or is skipped with a line saying why. */
  modelsStrict: boolean;
  workerConcurrency: number;
  /** Prefix of every Redis key Bard writes (BullMQ's included); tests use a fresh one per run. */
  prefix: string;
  queueName: string;
  cooldown: CooldownSettings;
  /** Shortest round the bot accepts; 15 s in production, lower only in tests. */
  roundMinSeconds: number;
  /** How long button and round state stays in Redis. */
  stateTtlMs: number;
  shutdownTimeoutMs: number;
  /** BullMQ job lock: a worker that stops renewing it (crashed, frozen) loses its job after this long. */
  lockMs: number;
  /** How often workers look for stalled jobs (lock expired) and put them back in the queue. */
  stalledIntervalMs: number;
  /** Model threads per worker, each with its own batch (the worker's event loop never runs the model). */
  serveThreads: number;
  /** Worker's /metrics and /healthz port; null = off, 0 = any free port (logged). */
  metricsPort: number | null;
  /** Bot's /healthz port; null = off, 0 = any free port (logged). */
  healthPort: number | null;
  /** The bot's gateway shards. */
  shards: ShardSettings;
  /** The application's Ed25519 public key (hex) that signs HTTP interactions; null where unused. */
  publicKey: string | null;
  /** The HTTP front door's port (POST /interactions, /healthz, /metrics); 0 = any free port (logged). */
  webPort: number;
  logLevel: string;
}

export interface CooldownSettings {
  /** Jobs one user may start per window; 0 turns the user cooldown off. */
  userJobs: number;
  userWindowMs: number;
  /** Jobs one channel may start per window; 0 turns the channel cooldown off. */
  channelJobs: number;
  channelWindowMs: number;
}

/**
 * How many gateway shards the bot's application runs in all ('auto': the count Discord recommends), and which of
 * them this process runs (null: all of them). Discord sends a guild's events to shard (guild_id >> 22) % count.
 */
export interface ShardSettings {
  count: number | 'auto';
  ids: number[] | null;
}

/** Discord allows at most this many shards to be named here; far beyond any bot's need. */
const MAX_SHARDS = 100_000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (a number of 15–21 digits)');
/** A Redis key prefix or queue name. */
const name = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, "-" or "_"');
/** A TCP port for an operations endpoint: 1–65535, 0 for any free one, or "off". */
const port = z
  .string()
  .regex(/^(off|\d{1,5})$/i, 'must be a port number (0 = any free port) or "off"')
  .transform((v) => (v.toLowerCase() === 'off' ? null : Number(v)))
  .refine((v) => v === null || v <= 65_535, 'must be at most 65535');
/** "auto" or a shard count. */
const shardCount = z
  .string()
  .regex(/^(auto|\d{1,6})$/i, `must be "auto" or a whole number of shards between 1 and ${MAX_SHARDS}`)
  .transform((v) => (v.toLowerCase() === 'auto' ? ('auto' as const) : Number(v)))
  .refine((v) => v === 'auto' || (v >= 1 && v <= MAX_SHARDS), `must be "auto" or a whole number of shards between 1 and ${MAX_SHARDS}`);
/** Shard ids and ranges, "0-1" or "2,3" or "0,4-7": ascending ranges, each id once. */
const shardIds = z
  .string()
  .regex(/^\s*\d{1,6}(\s*-\s*\d{1,6})?(\s*,\s*\d{1,6}(\s*-\s*\d{1,6})?)*\s*$/, 'must be shard ids and ranges such as "0-1", "2,3" or "0,4-7"')
  .transform((v, ctx) => {
    const ids = new Set<number>();
    for (const part of v.split(',')) {
      const [from, to = from] = part.split('-').map(Number);
      if (to < from) ctx.addIssue({ code: 'custom', message: `has the range "${part.trim()}" running backwards` });
      for (let id = from; id <= to; id++) {
        if (ids.has(id)) ctx.addIssue({ code: 'custom', message: `names shard ${id} twice` });
        ids.add(id);
      }
    }
    return [...ids];
  });
const int = (min: number, max: number) =>
  z.coerce.number({ error: `must be a whole number between ${min} and ${max}` }).int(`must be a whole number between ${min} and ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

interface Variable<T> {
  schema: z.ZodType<T>;
  /** Used when the variable is unset or empty; undefined means "required". */
  fallback?: T;
  /** Shown when the variable is missing, so the message says where to find it. */
  hint: string;
  /** Roles that need this variable; others may leave it unset. */
  requiredFor?: Role[];
}

const VARIABLES = {
  DISCORD_TOKEN: {
    schema: z.string().min(20, 'does not look like a bot token (too short)'),
    hint: 'the bot token (Developer Portal → your application → Bot → Reset Token)',
    requiredFor: ['bot', 'web', 'worker', 'deploy'],
  } as Variable<string>,
  DISCORD_APP_ID: {
    schema: snowflake,
    hint: 'the application id (Developer Portal → General Information → Application ID)',
    requiredFor: ['bot', 'web', 'worker', 'deploy'],
  } as Variable<string>,
  DISCORD_PUBLIC_KEY: {
    schema: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex characters of the application\'s public key').transform((s) => s.toLowerCase()),
    fallback: null,
    hint: "the application's public key, which signs HTTP interactions (Developer Portal → General Information → Public Key)",
    requiredFor: ['web'],
  } as Variable<string | null>,
  DISCORD_GUILD_ID: { schema: snowflake, fallback: null, hint: 'a server id, to register the commands in that server only' } as Variable<string | null>,
  DISCORD_API_URL: {
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:3000/api' }),
    fallback: null,
    hint: 'a Discord REST base URL (only to point Bard at a local fake)',
  } as Variable<string | null>,
  REDIS_URL: {
    schema: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
    fallback: 'redis://127.0.0.1:6379',
    hint: 'where Redis listens',
  } as Variable<string>,
  BARD_MODELS: { schema: z.string().min(1), fallback: null, hint: 'model files and folders of .npz, comma-separated (default: snapshots/)' } as Variable<string | null>,
  BARD_MODELS_STRICT: {
    schema: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1'),
    fallback: true,
    hint: 'stop at a bad model file (true) or skip it (false)',
  } as Variable<boolean>,
  SNAPSHOT: { schema: z.string().min(1), fallback: null, hint: 'one model file, used when BARD_MODELS is not set' } as Variable<string | null>,
  WORKER_CONCURRENCY: { schema: int(1, 256), fallback: 32, hint: 'jobs one worker runs at once (its batch size)' } as Variable<number>,
  SERVE_THREADS: { schema: int(1, 16), fallback: 1, hint: 'model threads per worker' } as Variable<number>,
  METRICS_PORT: { schema: port, fallback: 9464, hint: "the worker's /metrics and /healthz port" } as Variable<number | null>,
  HEALTH_PORT: { schema: port, fallback: 9465, hint: "the bot's /healthz port" } as Variable<number | null>,
  SHARD_COUNT: { schema: shardCount, fallback: 'auto', hint: "the bot's gateway shards in all processes" } as Variable<number | 'auto'>,
  SHARD_IDS: { schema: shardIds, fallback: null, hint: 'the shards this bot process runs' } as Variable<number[] | null>,
  WEB_PORT: {
    schema: port.refine((v) => v !== null, 'cannot be off: it is the port Discord delivers interactions to').transform((v) => v as number),
    fallback: 8080,
    hint: 'the HTTP front door\'s port (POST /interactions, GET /healthz, GET /metrics)',
  } as Variable<number>,
  BARD_PREFIX: {
    schema: name,
    fallback: 'bard',
    hint: 'prefix of every Redis key',
  } as Variable<string>,
  BARD_QUEUE: {
    schema: name,
    fallback: 'jobs',
    hint: 'name of the BullMQ queue',
  } as Variable<string>,
  COOLDOWN_USER_JOBS: { schema: int(0, 1000), fallback: 5, hint: 'jobs per user per window (0 = no limit)' } as Variable<number>,
  COOLDOWN_USER_SECONDS: { schema: int(1, 86_400), fallback: 30, hint: 'length of the user window' } as Variable<number>,
  COOLDOWN_CHANNEL_JOBS: { schema: int(0, 10_000), fallback: 20, hint: 'jobs per channel per window (0 = no limit)' } as Variable<number>,
  COOLDOWN_CHANNEL_SECONDS: { schema: int(1, 86_400), fallback: 30, hint: 'length of the channel window' } as Variable<number>,
  ROUND_MIN_SECONDS: { schema: int(1, LIMITS.roundSecondsMin), fallback: LIMITS.roundSecondsMin, hint: 'shortest /bard-round (lower only for tests)' } as Variable<number>,
  STATE_TTL_HOURS: { schema: int(1, 24 * 30), fallback: 24, hint: 'how long buttons keep working' } as Variable<number>,
  SHUTDOWN_TIMEOUT_SECONDS: { schema: int(1, 600), fallback: 10, hint: 'how long a worker waits for active jobs on SIGTERM' } as Variable<number>,
  // A crashed worker's job is answered within about LOCK + STALLED_CHECK seconds plus its run (≤ 10 s in all).
  // The lock is renewed every lockDuration / 4 off a loop that never runs the model, so 5 s leaves ~3.75 s of
  // headroom against a false stall; measured under full load in test/reliability/lock-renewal.test.ts.
  WORKER_LOCK_SECONDS: { schema: int(1, 600), fallback: 5, hint: 'how long a job stays locked to a worker that stopped answering' } as Variable<number>,
  WORKER_STALLED_CHECK_SECONDS: { schema: int(1, 600), fallback: 1, hint: 'how often workers take back jobs of crashed workers' } as Variable<number>,
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }),
    fallback: 'info',
    hint: 'pino log level',
  } as Variable<string>,
} as const;

/** Every variable Bard reads (documented in .env.example). */
export const CONFIG_VARIABLES = Object.keys(VARIABLES) as (keyof typeof VARIABLES)[];

type Values = { [K in keyof typeof VARIABLES]: (typeof VARIABLES)[K] extends Variable<infer T> ? T : never };

/** A placeholder that lets `play` run without Discord: it never leaves the process. */
const NO_DISCORD = { token: 'play-has-no-discord-token', appId: '000000000000000000' };

/**
 * Reads and checks the configuration for one role. Loads `.env` from the working directory first
 * (variables already set in the environment win). Throws ConfigError listing every problem.
 */
export function loadConfig(role: Role, env: NodeJS.ProcessEnv = process.env, opts: { dotenv?: boolean } = {}): Config {
  if (opts.dotenv ?? env === process.env) loadDotenv({ quiet: true });
  const problems: string[] = [];
  const values: Partial<Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(VARIABLES) as [keyof typeof VARIABLES, Variable<unknown>][]) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') {
      if (v.requiredFor?.includes(role)) problems.push(`${name} is missing: ${v.hint}`);
      else values[name] = v.fallback;
      continue;
    }
    const parsed = v.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name} ${parsed.error.issues[0]?.message ?? 'is not valid'}, got ${JSON.stringify(name === 'DISCORD_TOKEN' ? '<hidden>' : raw)}`);
  }
  const x = values as Values;
  if (x.SHARD_IDS) problems.push(...shardIdProblems(x.SHARD_COUNT, x.SHARD_IDS));
  if (problems.length) throw new ConfigError(problems);
  return {
    discordToken: x.DISCORD_TOKEN ?? NO_DISCORD.token,
    appId: x.DISCORD_APP_ID ?? NO_DISCORD.appId,
    guildId: x.DISCORD_GUILD_ID,
    discordApiUrl: x.DISCORD_API_URL,
    redisUrl: x.REDIS_URL,
    models: x.BARD_MODELS ?? x.SNAPSHOT ?? DEFAULT_MODELS,
    modelsStrict: x.BARD_MODELS_STRICT,
    workerConcurrency: x.WORKER_CONCURRENCY,
    prefix: x.BARD_PREFIX,
    queueName: x.BARD_QUEUE,
    cooldown: {
      userJobs: x.COOLDOWN_USER_JOBS,
      userWindowMs: x.COOLDOWN_USER_SECONDS * 1000,
      channelJobs: x.COOLDOWN_CHANNEL_JOBS,
      channelWindowMs: x.COOLDOWN_CHANNEL_SECONDS * 1000,
    },
    roundMinSeconds: x.ROUND_MIN_SECONDS,
    stateTtlMs: x.STATE_TTL_HOURS * 3_600_000,
    shutdownTimeoutMs: x.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    lockMs: x.WORKER_LOCK_SECONDS * 1000,
    stalledIntervalMs: x.WORKER_STALLED_CHECK_SECONDS * 1000,
    serveThreads: x.SERVE_THREADS,
    metricsPort: x.METRICS_PORT,
    healthPort: x.HEALTH_PORT,
    shards: { count: x.SHARD_COUNT, ids: x.SHARD_IDS },
    publicKey: x.DISCORD_PUBLIC_KEY,
    webPort: x.WEB_PORT,
    logLevel: x.LOG_LEVEL,
  };
}

/** SHARD_IDS only makes sense against a fixed SHARD_COUNT, and every id must be one of its shards. */
function shardIdProblems(count: number | 'auto' | undefined, ids: number[]): string[] {
  if (count === undefined) return []; // SHARD_COUNT itself is wrong: already reported
  if (count === 'auto') return ['SHARD_IDS needs a fixed SHARD_COUNT (the total over all bot processes), not "auto": every process must split the same count'];
  const past = ids.filter((id) => id >= count);
  if (past.length === 0) return [];
  return [`SHARD_IDS names shard${past.length > 1 ? 's' : ''} ${past.join(', ')}, but SHARD_COUNT=${count} has shards 0–${count - 1}`];
}

/** Entry points call this: prints the problems and exits 2 (bad usage) instead of a stack trace. */
export function loadConfigOrExit(role: Role): Config {
  try {
    return loadConfig(role);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`bard ${role}: ${e.message}\nSee .env.example for every variable.\n`);
    process.exit(2);
  }
}
