/**
 * Runs Bard's real processes (bot, worker, deploy-commands) as children against the local Discord fake
 * and the real Redis at 127.0.0.1:6379, under a fresh key prefix that is deleted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { FakeDiscord, RecordedRequest } from '../fake-discord/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const REFERENCE_SNAPSHOT = path.resolve(REPO, '../shared/data/char-rnn-snapshot.npz');
export const REDIS_URL = 'redis://127.0.0.1:6379';

const ENTRY = { bot: 'src/bot/main.ts', web: 'src/web/main.ts', worker: 'src/worker/main.ts', deploy: 'src/bot/deploy-commands.ts', play: 'src/play/main.ts' } as const;

export function freshPrefix(): string {
  return `bardtest-${randomBytes(5).toString('hex')}`;
}

/** The environment a Bard process needs to talk to the fake and to Redis under `prefix`. */
export function bardEnv(fake: FakeDiscord, prefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...fake.env(),
    REDIS_URL,
    BARD_PREFIX: prefix,
    BARD_QUEUE: 'jobs',
    SNAPSHOT: REFERENCE_SNAPSHOT,
    LOG_LEVEL: 'info',
    // Any free port for /metrics and /healthz, so processes of parallel tests never collide.
    METRICS_PORT: '0',
    HEALTH_PORT: '0',
    WEB_PORT: '0',
    ...extra,
  };
}

export class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<number | null>;
  private listeners: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    const collect = (into: string[]) => (chunk: Buffer) => {
      into.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.listeners.forEach((l) => l());
    };
    child.stdout?.on('data', collect(this.out));
    child.stderr?.on('data', collect(this.err));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the first stdout line matching, past or future. */
  waitForLine(re: RegExp, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.out.find((l) => re.test(l));
        if (hit) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== check);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr: ${this.err.slice(-5).join(' | ')}`));
      }, timeoutMs);
      this.listeners.push(check);
      check();
    });
  }

  /** SIGTERM, then the exit code (SIGKILL after timeoutMs). */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

export function spawnBard(kind: keyof typeof ENTRY, env: NodeJS.ProcessEnv, args: string[] = []): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[kind], ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Proc(child);
}

/** Resolves once the fake's gateway is ready, the bot has logged "bot ready" and each worker "worker ready". */
export async function waitReady(fake: FakeDiscord, bot: Proc, workers: Proc[] = [], timeoutMs = 30_000): Promise<void> {
  await Promise.all([
    fake.waitForGatewayReady(timeoutMs),
    bot.waitForLine(/"bot ready"/, timeoutMs),
    ...workers.map((w) => w.waitForLine(/"worker ready"/, timeoutMs)),
  ]);
}

/** The two ways interactions reach Bard: the discord.js gateway bot, or the HTTP interactions endpoint. */
export type FrontDoor = 'gateway' | 'http';
export const FRONT_DOORS: FrontDoor[] = ['gateway', 'http'];

/** The port a `web` process logged in its "web listening" line. */
export async function webPort(web: Proc, timeoutMs = 30_000): Promise<number> {
  return JSON.parse(await web.waitForLine(/"web listening"/, timeoutMs)).port as number;
}

/**
 * Starts the front door of `mode` and waits until it takes interactions: the bot's gateway session is ready,
 * or the web process listens and the fake delivers to it (by signed POST, as Discord does with an endpoint URL).
 */
export async function startFrontDoor(mode: FrontDoor, fake: FakeDiscord, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Proc> {
  if (mode === 'gateway') {
    const bot = spawnBard('bot', env);
    await Promise.all([fake.waitForGatewayReady(timeoutMs), bot.waitForLine(/"bot ready"/, timeoutMs)]);
    return bot;
  }
  const web = spawnBard('web', env);
  fake.interactionsUrl = `http://127.0.0.1:${await webPort(web, timeoutMs)}/interactions`;
  return web;
}

/** The end of a run: SIGTERMs the processes, closes the fake, deletes the prefix's keys; the exit codes, in order. */
export async function shutDown(fake: FakeDiscord | undefined, prefix: string | undefined, procs: (Proc | undefined)[]): Promise<(number | null | undefined)[]> {
  const codes = await Promise.all(procs.map((p) => p?.stop()));
  await fake?.close();
  if (prefix) await cleanPrefix(prefix);
  return codes;
}

/** The queue under `prefix`, with every job id BullMQ reports stalled collected in `stalled`; close() ends it all. */
export interface WatchedQueue {
  redis: Redis;
  queue: Queue;
  stalled: string[];
  close(): Promise<void>;
}

export async function watchQueue(prefix: string): Promise<WatchedQueue> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const events = new QueueEvents('jobs', { connection: redis.duplicate(), prefix });
  const stalled: string[] = [];
  events.on('stalled', ({ jobId }) => stalled.push(jobId));
  const queue = new Queue('jobs', { connection: redis, prefix });
  await events.waitUntilReady();
  return {
    redis,
    queue,
    stalled,
    async close() {
      await events.close();
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Deletes every Redis key under the prefix. */
export async function cleanPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) n += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return n;
}

/**
 * A worker's edit that reached Discord before the front door's deferral: Discord (and the fake) answer
 * 404 10015 until the interaction is acknowledged, and the worker tries again (the front door enqueues
 * first, then defers). Expected, not a refusal.
 */
export function beforeItsDeferral(fake: FakeDiscord, r: RecordedRequest): boolean {
  const ix = r.interactionId ? fake.interaction(r.interactionId) : undefined;
  return r.route === 'webhookEditMessage' && r.status === 404 && r.response?.code === 10015 && !!ix && (ix.ackAt === null || r.time <= ix.ackAt);
}

/** Splits a /bard reply into its parts: header, the bold prompt, the continuation (unescaped), the footer. */
export function parseCompletion(content: string): { header: string; prompt: string; continuation: string; footer: string } | null {
  const nl = content.indexOf('\n**');
  const foot = content.lastIndexOf('\n-# ');
  if (nl < 0 || foot < 0) return null;
  let i = nl + 3;
  // The bold prompt ends at the first "**" not escaped by a backslash.
  for (; i < foot; i++) {
    if (content[i] === '\\') {
      i++;
      continue;
    }
    if (content.startsWith('**', i)) break;
  }
  const unescape = (s: string) => s.replace(/\\([\\*_~`|<>[\]@#\-+.])/g, '$1');
  return {
    header: content.slice(0, nl),
    prompt: unescape(content.slice(nl + 3, i)),
    continuation: unescape(content.slice(i + 2, foot)),
    footer: content.slice(foot + 1),
  };
}
