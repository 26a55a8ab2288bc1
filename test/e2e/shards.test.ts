// The gateway split into shards: real bot processes (one holding every shard, or two splitting them), a worker,
// Redis and the Discord fake with a guild on each shard. Every interaction reaches the one process that holds its
// guild's shard and is answered exactly once.
import { commands } from '../../commands/index.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, shardOf, snowflakeOnShard, type Injected, type StoredMessage } from '../fake-discord/index.ts';
import { bardEnv, beforeItsDeferral, freshPrefix, parseCompletion, shutDown, spawnBard, type Proc } from './harness.ts';

interface Scenario {
  name: string;
  count: number;
  /** One entry per bot process: its SHARD_COUNT and SHARD_IDS (unset: Discord's recommendation, all shards). */
  bots: Record<string, string>[];
}

const SCENARIOS: Scenario[] = [
  { name: '2 shards, the count Discord recommends, in one process', count: 2, bots: [{}] },
  { name: '2 shards split over two processes (0 and 1)', count: 2, bots: [{ SHARD_COUNT: '2', SHARD_IDS: '0' }, { SHARD_COUNT: '2', SHARD_IDS: '1' }] },
  { name: '3 shards split over two processes (0 and 1-2)', count: 3, bots: [{ SHARD_COUNT: '3', SHARD_IDS: '0' }, { SHARD_COUNT: '3', SHARD_IDS: '1-2' }] },
];

let fake: FakeDiscord | undefined;
let prefix: string | undefined;
let procs: Proc[] = [];

afterEach(async () => {
  const codes = await shutDown(fake, prefix, procs);
  fake = undefined;
  prefix = undefined;
  procs = [];
  // Every process leaves cleanly on SIGTERM.
  expect(codes.every((c) => c === 0)).toBe(true);
}, 30_000);

/** The bot's "bot ready" line; fails at once if the bot exits instead. */
function ready(bot: Proc): Promise<string> {
  const exited = bot.exited.then((code) => {
    throw new Error(`the bot exited (${code}) before it was ready: ${bot.err.join(' | ')}`);
  });
  return Promise.race([bot.waitForLine(/"bot ready"/, 40_000), exited]);
}

/** The ids of the interactions a bot process logged as answered. */
function answeredBy(bot: Proc): string[] {
  return bot.out.filter((l) => l.includes('"interaction answered"')).map((l) => JSON.parse(l).interaction as string);
}

function buttonId(m: StoredMessage, action: string): string {
  const ids: string[] = m.components.flatMap((row: { components: { custom_id: string }[] }) => row.components.map((b) => b.custom_id));
  return ids.find((c) => c.startsWith(`bard:${action}:`))!;
}

describe.each(SCENARIOS)('sharded gateway: $name', ({ count, bots }) => {
  it('interactions from a guild on every shard, and a DM, are each answered once, by the process holding the shard', async () => {
    // At most one guild per shard, so a bot that connected fewer shards than Discord recommends would be refused (4011).
    // max_concurrency = count lets discord.js identify the shards at once instead of 5 s apart.
    fake = await new FakeDiscord({ guildId: snowflakeOnShard(0, count), maxGuildsPerShard: 1, maxConcurrency: count }).start();
    const guilds = [{ id: fake.guildId, channelId: fake.channels.bard.id }];
    for (let shard = 1; shard < count; shard++) {
      const g = fake.addGuild({ name: `Shard ${shard}`, shard: [shard, count] });
      guilds.push({ id: g.id, channelId: g.bard.id });
    }
    expect(guilds.map((g) => shardOf(g.id, count))).toEqual([...Array(count).keys()]);
    expect(fake.recommendedShards).toBe(count);

    prefix = freshPrefix();
    const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
    // Global commands, so every guild (and DMs) types the options as registered.
    const deploy = spawnBard('deploy', { ...env, DISCORD_GUILD_ID: '' });
    expect(await deploy.exited, deploy.err.join('\n')).toBe(0);
    expect(deploy.out.join('\n')).toMatch(new RegExp(`Registered ${commands.length} commands globally`));

    const botProcs = bots.map((shardEnv) => spawnBard('bot', { ...env, ...shardEnv }));
    const worker = spawnBard('worker', env);
    procs = [...botProcs, worker];
    const readyLines = await Promise.all(botProcs.map((b) => ready(b)));
    await Promise.all([fake.waitForGatewayReady(10_000, { shards: count }), worker.waitForLine(/"worker ready"/, 40_000)]);
    // Which shards each process holds, as it logs them.
    const held = readyLines.map((l) => JSON.parse(l) as { shards: number[]; shardCount: number });
    expect(held.map((h) => h.shardCount)).toEqual(bots.map(() => count));
    expect(held.flatMap((h) => h.shards).sort()).toEqual([...Array(count).keys()]);
    expect(fake.gatewayStats.refusedIdentifies).toEqual([]);
    // Each process is healthy once every shard it holds is connected.
    for (const b of botProcs) {
      const port = JSON.parse(await b.waitForLine(/"health listening"/)).port as number;
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ status: 'ok', checks: { discord: true, redis: true } });
    }

    // Two /bard per guild, from two members, and one in a DM (shard 0).
    const users = [fake.users.alice, fake.users.bob];
    const sent: { ix: Injected; shard: number }[] = [];
    guilds.forEach((g, shard) => {
      for (const user of users) {
        sent.push({ shard, ix: fake!.injectSlashCommand({ name: 'bard', options: { prompt: `KING ${shard}:`, temp: 0.5, length: 40 }, user, channelId: g.channelId }) });
      }
    });
    sent.push({ shard: 0, ix: fake.injectSlashCommand({ name: 'bard', options: { prompt: 'DM:', temp: 0.5, length: 40 }, dm: true }) });
    const replies = await Promise.all(sent.map(({ ix }) => answered(ix.id)));

    // Then a button on each guild's first reply: a press is routed by its guild too.
    const presses = guilds.map((g, shard) => {
      const message = replies[shard * users.length];
      return { shard, ix: fake!.injectButton({ customId: buttonId(message, 'again'), messageId: message.id, user: fake!.users.owner }) };
    });
    await Promise.all(presses.map(({ ix }) => answered(ix.id)));

    const all = [...sent, ...presses];
    // The bots log "interaction answered" after their enqueue; the worker's reply can arrive before that line does.
    await fake.waitUntil(() => botProcs.reduce((n, b) => n + answeredBy(b).length, 0) >= all.length, 10_000, 'every answer logged');
    for (const { ix, shard } of all) {
      // Dispatched once, to the one live session of its shard.
      expect(ix.delivered, ix.id).toBe(1);
      const state = fake.interaction(ix.id)!;
      expect(state.ack, ix.id).toBe('defer');
      expect(state.ackAt! - state.createdAt).toBeLessThan(3000);
      // One acknowledgement (a second would have been answered 40060), one reply, filled once.
      const requests = fake.requestsFor(ix.id);
      expect(requests.filter((r) => r.route === 'interactionCallback').map((r) => r.status), ix.id).toEqual([204]);
      // The job is enqueued before the deferral, so a fast worker's first edit can come before it (404 10015), and is
      // retried; nothing else may fail.
      const failed = requests.filter((r) => r.status >= 400 && !beforeItsDeferral(fake!, r));
      expect(failed, ix.id).toEqual([]);
      const [reply, ...extra] = fake.messagesFor(ix.id);
      expect(extra).toEqual([]);
      expect(reply.history.filter((v) => v.via !== 'interactionCallback'), ix.id).toHaveLength(1);
      expect(parseCompletion(reply.content)?.continuation).toHaveLength(40);
      expect(reply.allowedMentions).toEqual({ parse: [] });
      // Answered by exactly the process that holds the shard.
      const by = botProcs.filter((b) => answeredBy(b).includes(ix.id));
      expect(by, ix.id).toHaveLength(1);
      expect(held[botProcs.indexOf(by[0])].shards).toContain(shard);
    }
    // No message outside the interactions' own replies.
    expect(fake.messages.filter((m) => m.kind === 'channel' && m.content !== 'button host')).toEqual([]);
    expect(botProcs.reduce((n, b) => n + answeredBy(b).length, 0)).toBe(all.length);
  }, 120_000);
});

/** The interaction's reply once the worker has filled it in. */
function answered(id: string): Promise<StoredMessage> {
  return fake!.waitUntil(() => {
    const [m] = fake!.messagesFor(id);
    return m && !m.loading ? m : null;
  }, 30_000);
}

// Discord closes a shard for good with 4011 when it would hold too many guilds and 4010 for a shard it will not take.
// (It allows a shard twice; the fake refuses that too, as it means overlapping SHARD_IDS: see its README.)
describe('a shard the gateway refuses for good stops the bot with the reason', () => {
  it('too few shards for the guilds (4011), or a shard another process holds (4010): exit 1 with one line saying what to change', async () => {
    fake = await new FakeDiscord({ guildId: snowflakeOnShard(0, 2), maxGuildsPerShard: 1, maxConcurrency: 2 }).start();
    fake.addGuild({ shard: [1, 2] });
    prefix = freshPrefix();
    const env = bardEnv(fake, prefix);

    const tooFew = spawnBard('bot', { ...env, SHARD_COUNT: '1' });
    expect(await tooFew.exited).toBe(1);
    expect(tooFew.err.join('\n')).toMatch(/Discord closed shard 0 \(code 4011\): sharding required: too many guilds for this SHARD_COUNT/);
    expect(tooFew.out.some((l) => l.includes('"shard closed by Discord"') && JSON.parse(l).code === 4011)).toBe(true);

    const holder = spawnBard('bot', { ...env, SHARD_COUNT: '2' });
    procs = [holder];
    await ready(holder);
    const overlapping = spawnBard('bot', { ...env, SHARD_COUNT: '2', SHARD_IDS: '1' });
    expect(await overlapping.exited).toBe(1);
    expect(overlapping.err.join('\n')).toMatch(/Discord closed shard 1 \(code 4010\): invalid shard: .*or SHARD_IDS overlap another process's/);
    // The process that holds both shards is untouched and still answers.
    expect(fake.gatewayStats.refusedIdentifies.map((r) => r.code)).toEqual([4011, 4010]);
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await fake.waitUntil(() => fake!.interaction(ix.id)?.ack);
    expect(fake.interaction(ix.id)!.ack).toBe('defer');
  }, 90_000);
});

