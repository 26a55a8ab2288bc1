// Issues 14 (item 5) and 18 (item 1): the front door dies. Real processes (bot or web replicas, a worker),
// the real Redis, a real nginx and the Discord fake.
// - Killed with kill -9 the moment Discord accepts a deferral (the fake's 'ack' hook), in both front doors:
//   the job was in Redis before the deferral went out, so a worker still answers. 0 stuck "thinking…".
// - A web replica killed with kill -9 in the middle of a burst of 100 through nginx: every interaction is
//   answered exactly once, none lost.
// - The gateway bot killed in the middle of the same burst and started again: what Discord sent while it was
//   down is lost (a new process cannot RESUME, Discord never redelivers). Measured here, and quoted in the README.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type Injected, type InteractionState } from '../fake-discord/index.ts';
import { startFrontDoor } from '../e2e/harness.ts';
import { bardEnv, freshPrefix, shutDown, sleep, spawnBard, type Proc } from './harness.ts';
import { Nginx } from './nginx.ts';

let fake: FakeDiscord;
let prefix: string;
let worker: Proc;
let env: NodeJS.ProcessEnv;
const procs: Proc[] = [];

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0', WORKER_CONCURRENCY: '64' });
  worker = spawnBard('worker', env);
  await worker.waitForLine(/"worker ready"/, 30_000);
}, 60_000);

afterAll(async () => {
  await shutDown(fake, prefix, [worker, ...procs]);
}, 30_000);

afterEach(async () => {
  fake.interactionsUrl = null;
  fake.removeAllListeners('ack');
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

function kill9(p: Proc): Promise<number | null> {
  p.child.kill('SIGKILL');
  return p.exited;
}

function bard(i: number, tag: string): Injected {
  return fake.injectSlashCommand({ name: 'bard', options: { prompt: `KING ${i} ${tag}:`, length: 40 } });
}

/** Deferred, and still "thinking…" (its original never filled). */
const stuck = (ix: InteractionState) => ix.ack === 'defer' && fake.messagesFor(ix.id)[0]?.loading === true;
/** The reply as a plain channel message: the worker's fallback when the deferral never landed. */
const inChannel = (ix: InteractionState) => fake.channelMessages(ix.channelId).filter((m) => m.content.includes(`${ix.payload.data.options[0].value}`));
const filled = (ix: InteractionState) => fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage' && r.status === 200);
/** Answered in place (its original filled) or, when its deferral never landed, in the channel. */
const answered = (ix: InteractionState) => (fake.messagesFor(ix.id).length > 0 && fake.messagesFor(ix.id).every((m) => !m.loading)) || inChannel(ix).length > 0;
/** Exactly one answer: one successful edit, or one channel message. */
const answeredOnce = (ix: InteractionState) => filled(ix).length + inChannel(ix).length === 1;

/** Waits until no interaction is in flight: each answered, or never acknowledged and past Discord's deadline. */
async function settle(ixs: InteractionState[], timeoutMs = 30_000): Promise<void> {
  await fake.waitUntil(() => ixs.every((ix) => answered(ix) || (ix.ack === null && fake.now() - ix.createdAt > 5000)), timeoutMs, 'every interaction to settle');
}

describe('the front door killed the moment Discord accepts its deferral', () => {
  it.each(['gateway', 'http'] as const)('%s: every interaction is still answered (0 stuck)', async (mode) => {
    const ixs: Injected[] = [];
    for (let round = 0; round < 3; round++) {
      const front = await startFrontDoor(mode, fake, env);
      procs.push(front);
      const ix = bard(round, `${mode}-deferral`);
      ixs.push(ix);
      // The hook runs inside the fake's handling of the deferral: the front door dies right then.
      const killed = new Promise<void>((resolve) =>
        fake.on('ack', (acked: InteractionState) => {
          if (acked.id !== ix.id) return;
          front.child.kill('SIGKILL');
          resolve();
        }),
      );
      await killed;
      await front.exited;
      fake.removeAllListeners('ack');
      expect(fake.interaction(ix.id)!.ack).toBe('defer');
    }
    await settle(ixs);
    expect(ixs.filter((ix) => stuck(ix)).map((ix) => ix.id)).toEqual([]);
    for (const ix of ixs) {
      expect(answered(ix), ix.id).toBe(true);
      expect(filled(ix), ix.id).toHaveLength(1);
    }
  }, 90_000);
});

describe('kill -9 in the middle of a burst of 100', () => {
  it('http: two web replicas behind nginx, one killed: all 100 answered exactly once, none lost', async () => {
    const replicas = [spawnBard('web', env), spawnBard('web', env)];
    procs.push(...replicas);
    const ports = await Promise.all(replicas.map(async (r) => JSON.parse(await r.waitForLine(/"web listening"/, 30_000)).port as number));
    const nginx = await Nginx.start(ports);
    try {
      fake.interactionsUrl = nginx.url;
      const ixs: Injected[] = [];
      for (let i = 0; i < 100; i++) {
        ixs.push(bard(i, 'httpburst'));
        if (i === 40) void kill9(replicas[0]);
        await sleep(10);
      }
      const results = await Promise.all(ixs.map((ix) => ix.delivery!));
      await settle(ixs);
      const lost = ixs.filter((ix) => !answered(ix));
      expect(lost.map((ix) => ix.id)).toEqual([]);
      expect(ixs.filter((ix) => stuck(ix))).toEqual([]);
      for (const ix of ixs) expect(answeredOnce(ix), ix.id).toBe(true);
      // Each first reply came within Discord's 3 s, through whichever replica was alive.
      expect(results.filter((r) => r.outcome !== 'accepted')).toEqual([]);
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(3000);
      expect(replicas[0].child.exitCode ?? replicas[0].child.signalCode).toBe('SIGKILL');
      expect(fake.deliveryViolations).toEqual([]);
    } finally {
      await nginx.stop();
    }
  }, 90_000);

  it('gateway: the bot killed and started again loses what Discord sent while it was down (measured), and leaves none stuck', async () => {
    const bot = await startFrontDoor('gateway', fake, env);
    procs.push(bot);
    const ixs: Injected[] = [];
    let restarted: Promise<Proc> | null = null;
    for (let i = 0; i < 100; i++) {
      ixs.push(bard(i, 'gatewayburst'));
      if (i === 40) {
        await kill9(bot);
        // The operator's supervisor starts it again at once; it takes a new session (no RESUME).
        restarted = startFrontDoor('gateway', fake, env);
      }
      await sleep(10);
    }
    procs.push(await restarted!);
    await settle(ixs);
    const lost = ixs.filter((ix) => !answered(ix));
    const once = ixs.filter((ix) => answered(ix) && answeredOnce(ix));
    expect(ixs.filter((ix) => stuck(ix))).toEqual([]);
    expect(once.length + lost.length).toBe(100);
    // What the gateway mode costs: the interactions sent while no session was up are never answered.
    expect(lost.length).toBeGreaterThan(0);
    for (const ix of lost) expect(fake.interaction(ix.id)!.ack).toBeNull();
    console.log(`gateway bot killed mid-burst: ${lost.length} of 100 lost, ${once.length} answered once (${ixs.filter((ix) => inChannel(ix).length).length} in the channel)`);
  }, 90_000);
});
