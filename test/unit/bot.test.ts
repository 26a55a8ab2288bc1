// The bot's command handlers in-process, with recording contexts: validation, the answer within 3 s,
// and Redis being down (producers fail fast: an ephemeral "busy", never a hang).
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandContext, Services } from '../../src/bot/context.ts';
import { BUSY } from '../../src/bot/enqueue.ts';
import { routeButton, routeCommand } from '../../src/bot/router.ts';
import { silentLogger } from '../../src/log.ts';
import type { Job } from '../../src/queue/jobs.ts';
import { BullProducer } from '../../src/queue/producer.ts';
import { producerConnection } from '../../src/queue/redis.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { loadRegistry } from '../../src/models/registry.ts';
import { REFERENCE_SNAPSHOT } from '../e2e/harness.ts';

const models = loadRegistry(REFERENCE_SNAPSHOT, { strict: true });
const csc321 = { name: 'char-rnn-snapshot', hash: models.default.card.hash };
import { RedisStore } from '../../src/store/redis.ts';

const dead = producerConnection('redis://127.0.0.1:1');
dead.on('error', () => {});
afterAll(() => dead.disconnect());

function services(over: Partial<Services> = {}): Services & { jobs: Job[] } {
  const jobs: Job[] = [];
  return {
    jobs,
    store: new MemoryStore(),
    producer: { add: async (job) => void jobs.push(job) },
    models,
    settings: { cooldown: { userJobs: 5, userWindowMs: 30_000, channelJobs: 20, channelWindowMs: 30_000 }, roundMinSeconds: 15, stateTtlMs: 60_000 },
    log: silentLogger(),
    now: Date.now,
    seed: () => 1234,
    ...over,
  };
}

function context(command: string, options: CommandContext['options'], over: Partial<CommandContext> = {}) {
  const events: { what: 'ephemeral' | 'public' | 'defer'; content?: string; at: number }[] = [];
  const t0 = Date.now();
  const ctx: CommandContext = {
    id: '900000000000000001',
    token: 'tok',
    user: { id: '111111111111111111', name: 'alice' },
    channelId: '300000000000000000',
    guildId: '400000000000000000',
    canManageChannels: false,
    command,
    options,
    replyEphemeral: async (content) => void events.push({ what: 'ephemeral', content, at: Date.now() - t0 }),
    replyPublic: async (content) => void events.push({ what: 'public', content, at: Date.now() - t0 }),
    defer: async () => void events.push({ what: 'defer', at: Date.now() - t0 }),
    ...over,
  };
  return { ctx, events };
}

describe('bot handlers', () => {
  it('/bard enqueues one job whose id and target come from the interaction, then defers', async () => {
    const order: string[] = [];
    const svc = services();
    const add = svc.producer.add;
    svc.producer = { add: async (job, o) => (order.push('enqueue'), add(job, o)) };
    const { ctx, events } = context('bard', { prompt: 'ROMEO:', temp: 0.5, length: 100 });
    const defer = ctx.defer;
    ctx.defer = async () => (order.push('defer'), defer());
    await routeCommand(ctx, svc);
    expect(events.map((e) => e.what)).toEqual(['defer']);
    // Never a "thinking…" without a job behind it: the job is in the queue before the deferral goes out.
    expect(order).toEqual(['enqueue', 'defer']);
    expect(svc.jobs).toEqual([
      {
        name: 'complete',
        data: { target: { interactionId: ctx.id, token: 'tok', channelId: ctx.channelId }, channelId: ctx.channelId, author: ctx.user, prompt: 'ROMEO:', temp: 0.5, length: 100, seed: 1234, model: csc321 },
      },
    ]);
  });

  it('bad options get an ephemeral explanation and no job', async () => {
    const svc = services();
    for (const [cmd, opts] of [
      ['bard', { prompt: 'x', temp: 9 }],
      ['bard', { prompt: '' }],
      ['bard-round', { prompt: 'x', temps: '0.5' }],
      ['bard-round', { prompt: 'x', temps: '0.5 1', seconds: 5 }],
    ] as const) {
      const { ctx, events } = context(cmd, opts);
      await routeCommand(ctx, svc);
      expect(events.map((e) => e.what)).toEqual(['ephemeral']);
    }
    expect(svc.jobs).toEqual([]);
  });

  it('an unknown or expired button gets an ephemeral note', async () => {
    const svc = services();
    const { ctx, events } = context('', {});
    await routeButton({ ...ctx, customId: 'bard:again:12345' }, svc);
    await routeButton({ ...ctx, customId: 'round:vote:12345:A' }, svc);
    await routeButton({ ...ctx, customId: 'something-else' }, svc);
    expect(events.map((e) => e.content)).toEqual([expect.stringMatching(/expired/), expect.stringMatching(/over/), expect.stringMatching(/does not work/)]);
  });

  it('Redis down before the deferral: an ephemeral "busy" at once, no hang', async () => {
    const svc = services({ store: new RedisStore(dead, 'bardtest-dead') });
    const { ctx, events } = context('bard', { prompt: 'ROMEO:' });
    await routeCommand(ctx, svc);
    expect(events).toEqual([{ what: 'ephemeral', content: BUSY, at: expect.any(Number) }]);
    expect(events[0].at).toBeLessThan(1500);
  });

  it('Redis refuses the job: no deferral, an ephemeral "busy" within 3 s', async () => {
    const producer = new BullProducer(dead, 'jobs', 'bardtest-dead');
    const svc = services({ producer });
    const { ctx, events } = context('bard', { prompt: 'ROMEO:' });
    await routeCommand(ctx, svc);
    expect(events.map((e) => e.what)).toEqual(['ephemeral']);
    expect(events[0].content).toBe(BUSY);
    expect(events[0].at).toBeLessThan(3000);
    await producer.close().catch(() => {});
  });
});
