/**
 * Helpers for the reliability tests: a private redis-server (AOF on, temporary port and directory) that a
 * test can stop and start, a big random snapshot that makes generation take long enough to kill a worker
 * in the middle of it, and assertions on what the Discord fake received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { Model } from '../../src/rnn/model.ts';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { saveSnapshot } from '../../src/snapshot/index.ts';
import type { FakeDiscord, RecordedRequest } from '../fake-discord/index.ts';
import { bardEnv, type Proc } from '../e2e/harness.ts';

export { bardEnv, beforeItsDeferral, cleanPrefix, freshPrefix, parseCompletion, REDIS_URL, shutDown, spawnBard, waitReady, watchQueue, type Proc, type WatchedQueue } from '../e2e/harness.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `bard-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own: `redis-server --port P --dir TMP --appendonly yes --save ""`. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private readonly tmp = tempDir('redis');

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts (or restarts) the server on the same port and directory: the AOF brings the data back. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.tmp.dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.resume();
    child.stderr?.resume();
    this.child = child;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused while the server starts: retried below
    try {
      for (let i = 0; ; i++) {
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') {
            // The AOF is loaded before the server answers anything but LOADING errors.
            const info = await probe.info('persistence');
            if (/loading:0/.test(info)) return;
          }
        } catch {
          if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
          if (i > 100) throw new Error(`redis-server did not answer on port ${this.port}`);
        }
        probe.disconnect();
        await sleep(50);
      }
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server the way an orchestrator does (SIGTERM: it flushes the AOF and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }

  async close(): Promise<void> {
    await this.stop();
    this.tmp.cleanup();
  }
}

/**
 * A random model with a big hidden layer (H = 1024): a /bard of ~1000 characters takes a good fraction
 * of a second to generate, long enough to kill the worker in the middle of it. Its vocabulary has no
 * markdown characters, so replies stay well under 2000 characters.
 */
export function writeSlowSnapshot(path: string, H = 1024): void {
  const chars = [...new Set("\n !'&,.;:?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")];
  const rng = new Rng(7);
  const p = initParams(H, chars.length, () => rng.normal(), 0.05);
  saveSnapshot(path, new Model(p, chars, null, { name: 'slow-test-model' }));
}

/** The environment of a run on a slow snapshot of hidden size H (written into `dir`), with no cooldowns in the way. */
export function slowEnv(fake: FakeDiscord, prefix: string, dir: string, H: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const snapshot = join(dir, 'slow.npz');
  writeSlowSnapshot(snapshot, H);
  return bardEnv(fake, prefix, { SNAPSHOT: snapshot, COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0', ...extra });
}

/** Routes that carry a message the bot or a worker posted. */
export const MESSAGE_ROUTES = new Set(['interactionCallback', 'interactionResponse', 'webhookEditMessage', 'followUp', 'createChannelMessage', 'editChannelMessage']);

/** The message content of a request, wherever it sits (callback `data`, or the body). */
export function contentOf(r: RecordedRequest): string | undefined {
  return r.body?.data?.content ?? r.body?.content;
}

/**
 * Every message-carrying request the fake received: ≤ 2000 characters, and allowed_mentions with an
 * empty parse list and no explicit users or roles (so nothing can ping).
 */
export function expectNoPingsAndShort(fake: FakeDiscord, requests: RecordedRequest[] = fake.requests): number {
  let n = 0;
  for (const r of requests) {
    if (!MESSAGE_ROUTES.has(r.route)) continue;
    const content = contentOf(r);
    // Callbacks without data (a deferral) carry no message.
    if (content === undefined && r.route === 'interactionCallback') continue;
    n++;
    expect(r.allowedMentions, `${r.method} ${r.route} #${r.seq}`).toEqual({ parse: [] });
    if (content !== undefined) expect([...content].length, `${r.route} #${r.seq}`).toBeLessThanOrEqual(2000);
  }
  for (const m of fake.messages) expect(fake.pings(m), `message ${m.id}`).toEqual({ users: [], roles: [], everyone: false });
  return n;
}

/** The successful webhook requests that posted (edited @original or added a follow-up) for an interaction. */
export function resultPosts(fake: FakeDiscord, interactionId: string): RecordedRequest[] {
  return fake.requestsFor(interactionId).filter((r) => (r.route === 'webhookEditMessage' || r.route === 'followUp') && r.status >= 200 && r.status < 300);
}

/** Waits until the deferred reply of each interaction is filled in (and none is left "thinking"). */
export function waitAnswered(fake: FakeDiscord, ids: string[], timeoutMs: number): Promise<true> {
  return fake.waitUntil(() => ids.every((id) => fake.messagesFor(id).length > 0 && fake.messagesFor(id).every((m) => !m.loading)) || null, timeoutMs, `${ids.length} answers`);
}

/** Parses the pino JSON lines of a process (non-JSON lines are skipped). */
export function logLines(p: Proc): Record<string, any>[] {
  return p.out.flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

/** Polls an async probe until it returns something truthy. */
export async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Waits for a log line of `p` (returned). A process's log reaches us through a pipe, so a line written just
 * before what we saw in Redis or at the fake may still be on its way.
 */
export function logged(p: Proc, pred: (l: Record<string, any>) => boolean, what: string, timeoutMs = 5000): Promise<Record<string, any>> {
  return until(async () => logLines(p).find(pred), timeoutMs, `the log line: ${what}`);
}

/**
 * SIGKILLs the first of the live `workers` to log "job started" for a job that `which` accepts (default: a first
 * attempt), from inside its stdout handler, so the kill lands a few ms after the job began. Resolves with the
 * worker, the job id and the fake's clock at the kill.
 */
export function killAtNextStart(
  fake: FakeDiscord,
  workers: Proc[],
  timeoutMs: number,
  which: (l: Record<string, any>) => boolean = (l) => l.started === 1,
): Promise<{ worker: Proc; jobId: string; at: number }> {
  return new Promise((resolve, reject) => {
    const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const detach = () => live.forEach((w, i) => w.child.stdout!.off('data', handlers[i]));
    const timer = setTimeout(() => {
      detach();
      reject(new Error(`no worker started a job within ${timeoutMs} ms`));
    }, timeoutMs);
    const handlers = live.map((w) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('"job started"')) continue;
        let l;
        try {
          l = JSON.parse(line);
        } catch {
          continue; // a line split across two chunks: the first attempts are plenty
        }
        if (!which(l)) continue;
        w.child.kill('SIGKILL');
        const at = fake.now();
        clearTimeout(timer);
        detach();
        resolve({ worker: w, jobId: l.jobId, at });
        return;
      }
    });
    live.forEach((w, i) => w.child.stdout!.on('data', handlers[i]));
  });
}

/** The @original edit path of an interaction's webhook, as the fake records it. */
export function originalPath(fake: FakeDiscord, token: string): string {
  return `/webhooks/${fake.appId}/${token}/messages/@original`;
}
