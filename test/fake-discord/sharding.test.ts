// The fake's sharding: interactions go to the shard that owns their guild, and IDENTIFYs that break the rules are closed.
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeDiscord, GatewayClose, shardOf, snowflakeOnShard } from './index.ts';

/** A bare gateway connection: HELLO, then IDENTIFY with `shard`; records every dispatch and the close code. */
class RawShard {
  readonly dispatches: { t: string; d: any }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  private readonly hello: Promise<void>;

  constructor(readonly fake: FakeDiscord) {
    this.ws = new WebSocket(`${fake.gatewayUrl()}?v=10&encoding=json`);
    this.hello = new Promise((resolve) => {
      this.ws.on('message', (raw) => {
        const msg = JSON.parse(raw.toString());
        if (msg.op === 10) resolve();
        if (msg.op === 0) this.dispatches.push({ t: msg.t, d: msg.d });
      });
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Sends IDENTIFY (shard omitted when undefined); resolves with READY, or with the close if refused. */
  async identify(shard: unknown): Promise<{ ready?: any; close?: { code: number; reason: string } }> {
    await this.hello;
    const before = this.received('READY').length;
    this.ws.send(JSON.stringify({ op: 2, d: { token: this.fake.token, intents: 1, properties: {}, ...(shard === undefined ? {} : { shard }) } }));
    const ready = this.fake.waitUntil(() => this.dispatches.filter((x) => x.t === 'READY')[before], 5000, 'READY');
    return Promise.race([ready.then((r) => ({ ready: r.d })), this.closed.then((close) => ({ close }))]);
  }

  received(t: string): any[] {
    return this.dispatches.filter((x) => x.t === t).map((x) => x.d);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    await this.closed;
  }
}

let fake: FakeDiscord | undefined;
const shards: RawShard[] = [];

async function connect(shard: unknown): Promise<{ conn: RawShard; ready?: any; close?: { code: number; reason: string } }> {
  const conn = new RawShard(fake!);
  shards.push(conn);
  return { conn, ...(await conn.identify(shard)) };
}

afterEach(async () => {
  await Promise.all(shards.splice(0).map((s) => s.close()));
  await fake?.close();
  fake = undefined;
});

describe('guild ids and shards', () => {
  it('snowflakeOnShard gives fresh ids that land on the asked shard', () => {
    for (const count of [1, 2, 3, 7]) {
      const ids = Array.from({ length: count * 3 }, (_, i) => snowflakeOnShard(i % count, count));
      expect(ids.map((id) => shardOf(id, count))).toEqual(ids.map((_, i) => i % count));
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(shardOf(null, 5)).toBe(0);
    expect(() => snowflakeOnShard(3, 3)).toThrow(/no shard 3 of 3/);
  });

  it('GET /gateway/bot recommends the fewest shards that hold every guild, or the configured count', async () => {
    fake = await new FakeDiscord({ maxGuildsPerShard: 1, guildId: snowflakeOnShard(0, 2) }).start();
    fake.addGuild({ shard: [1, 2] });
    const get = async () => (await (await fetch(`${fake!.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake!.token}` } })).json()) as any;
    expect((await get()).shards).toBe(2);
    await fake.close();
    fake = await new FakeDiscord({ recommendedShards: 5, maxConcurrency: 4 }).start();
    const info = await get();
    expect(info.shards).toBe(5);
    expect(info.session_start_limit.max_concurrency).toBe(4);
  });
});

describe('routing', () => {
  it('each shard gets only its guilds, and each interaction goes to the one shard that owns its guild; DMs to shard 0', async () => {
    fake = await new FakeDiscord({ guildId: snowflakeOnShard(0, 3) }).start();
    const g1 = fake.addGuild({ name: 'One', shard: [1, 3] });
    const g2 = fake.addGuild({ name: 'Two', shard: [2, 3] });
    const conns = [await connect([0, 3]), await connect([1, 3]), await connect([2, 3])];
    const guildOf = [fake.guildId, g1.id, g2.id];
    conns.forEach(({ ready }, i) => {
      expect(ready.shard).toEqual([i, 3]);
      expect(ready.guilds).toEqual([{ id: guildOf[i], unavailable: true }]);
    });
    await fake.waitUntil(() => conns.every(({ conn }) => conn.received('GUILD_CREATE').length === 1));
    conns.forEach(({ conn }, i) => expect(conn.received('GUILD_CREATE').map((g) => g.id)).toEqual([guildOf[i]]));

    const channels = [fake.channels.bard.id, g1.bard.id, g2.bard.id];
    const sent = channels.flatMap((channelId, shard) => [0, 1].map(() => ({ shard, ix: fake!.injectSlashCommand({ name: 'bard', options: { prompt: 'KING:' }, channelId }) })));
    const dm = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'DM:' }, dm: true });
    for (const { ix } of sent) expect(ix.delivered).toBe(1);
    expect(dm.delivered).toBe(1);
    await fake.waitUntil(() => conns.reduce((n, { conn }) => n + conn.received('INTERACTION_CREATE').length, 0) === sent.length + 1);
    conns.forEach(({ conn }, shard) => {
      const got = conn.received('INTERACTION_CREATE').map((d) => d.id);
      const expected = sent.filter((s) => s.shard === shard).map((s) => s.ix.id);
      expect(got).toEqual(shard === 0 ? [...expected, dm.id] : expected);
    });
    const dmPayload = conns[0].conn.received('INTERACTION_CREATE').at(-1);
    expect(dmPayload.guild_id).toBeUndefined();
    expect(dmPayload.member).toBeUndefined();
    expect(dmPayload.user.id).toBe(fake.users.alice.id);
    expect(dmPayload.channel.type).toBe(1);
    expect(dmPayload.context).toBe(1);

    // A guild added later is created on its shard only; so are its channels.
    const late = fake.addGuild({ name: 'Late', shard: [1, 3] });
    await fake.waitUntil(() => conns[1].conn.received('GUILD_CREATE').length === 2);
    expect(conns[0].conn.received('GUILD_CREATE')).toHaveLength(1);
    expect(conns[2].conn.received('GUILD_CREATE')).toHaveLength(1);
    expect(fake.injectButton({ customId: 'x', channelId: late.bard.id }).delivered).toBe(1);
    await fake.waitUntil(() => conns[1].conn.received('INTERACTION_CREATE').some((d) => d.guild_id === late.id));
  });

  it('an interaction for a shard that no session holds reaches no other shard', async () => {
    fake = await new FakeDiscord({ guildId: snowflakeOnShard(0, 2) }).start();
    const other = fake.addGuild({ shard: [1, 2] });
    await connect([0, 2]);
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' }, channelId: other.bard.id });
    expect(ix.delivered).toBe(0);
    expect(fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } }).delivered).toBe(1);
  });

  it('the real discord.js client with shardCount 2 in one process receives each guild on its shard', async () => {
    fake = await new FakeDiscord({ guildId: snowflakeOnShard(0, 2), maxConcurrency: 2 }).start();
    const other = fake.addGuild({ shard: [1, 2] });
    const client = new Client({ intents: [GatewayIntentBits.Guilds], shards: 'auto', ...fake.clientOptions() });
    try {
      // Not recommended here (one shard holds both guilds): the client asks for 1 shard; then a fixed 2.
      await client.login(fake.token);
      await fake.waitForGatewayReady(10_000, { shards: 1 });
      expect(client.ws.shards.size).toBe(1);
      await client.destroy();

      const sharded = new Client({ intents: [GatewayIntentBits.Guilds], shards: [0, 1], shardCount: 2, ...fake.clientOptions() });
      const seen: { id: string; shard: number | undefined }[] = [];
      sharded.on(Events.InteractionCreate, (i) => void seen.push({ id: i.id, shard: i.guild?.shardId }));
      await sharded.login(fake.token);
      await fake.waitForGatewayReady(10_000, { shards: 2 });
      await fake.waitUntil(() => sharded.isReady() && sharded.guilds.cache.size === 2);
      const a = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'a' } });
      const b = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'b' }, channelId: other.bard.id });
      await fake.waitUntil(() => seen.length === 2);
      expect(seen.sort((x, y) => (x.shard ?? 0) - (y.shard ?? 0))).toEqual([
        { id: a.id, shard: 0 },
        { id: b.id, shard: 1 },
      ]);
      await sharded.destroy();
    } finally {
      await client.destroy();
    }
  });
});

describe('refused IDENTIFYs', () => {
  it('a shard id at or past the count, a count below 1 or a malformed shard: 4010 Invalid shard', async () => {
    fake = await new FakeDiscord().start();
    for (const shard of [[2, 2], [5, 3], [0, 0], [-1, 2], [0.5, 2], [0], '0,1', [0, 1, 2]]) {
      const { close, ready } = await connect(shard);
      expect(ready, JSON.stringify(shard)).toBeUndefined();
      expect(close?.code, JSON.stringify(shard)).toBe(GatewayClose.InvalidShard);
    }
    expect(fake.gatewayStats.identifies).toBe(0);
    expect(fake.gatewayStats.refusedIdentifies.map((r) => r.code)).toEqual(Array(8).fill(4010));
  });

  it('a count that differs from the live shards, or a shard already live on another connection: 4010', async () => {
    fake = await new FakeDiscord().start();
    expect((await connect([0, 2])).ready).toBeDefined();
    const mismatch = await connect([1, 3]);
    expect(mismatch.close).toEqual({ code: 4010, reason: expect.stringMatching(/count 3 differs from the live shard \[0,2\]/) });
    const twice = await connect([0, 2]);
    expect(twice.close).toEqual({ code: 4010, reason: expect.stringMatching(/\[0, 2\] is already identified/) });
    expect((await connect([1, 2])).ready).toBeDefined();
    // Once shard 0's connection is gone, a new one may take its place (a restarted process).
    await shards[0].close();
    expect((await connect([0, 2])).ready).toBeDefined();
    expect(fake.gatewayStats.identifies).toBe(3);
  });

  it('too few shards for the guilds: 4011 Sharding required', async () => {
    fake = await new FakeDiscord({ maxGuildsPerShard: 1, guildId: snowflakeOnShard(0, 2) }).start();
    fake.addGuild({ shard: [1, 2] });
    expect((await connect(undefined)).close).toEqual({ code: GatewayClose.ShardingRequired, reason: expect.stringMatching(/would hold 2 guilds \(at most 1\)/) });
    expect((await connect([0, 1])).close?.code).toBe(4011);
    expect((await connect([0, 2])).ready.guilds).toEqual([{ id: fake.guildId, unavailable: true }]);
  });

  it('a second IDENTIFY on one connection: 4005 Already authenticated', async () => {
    fake = await new FakeDiscord().start();
    const { conn, ready } = await connect([0, 1]);
    expect(ready).toBeDefined();
    expect((await conn.identify([0, 1])).close?.code).toBe(GatewayClose.AlreadyAuthenticated);
  });

  it('discord.js gives up on a shard refused with 4011 and says so', async () => {
    fake = await new FakeDiscord({ maxGuildsPerShard: 1, recommendedShards: 1, guildId: snowflakeOnShard(0, 2) }).start();
    fake.addGuild({ shard: [1, 2] });
    const client = new Client({ intents: [GatewayIntentBits.Guilds], shards: 'auto', ...fake.clientOptions() });
    const disconnected = new Promise<{ code: number; shard: number }>((resolve) => client.on(Events.ShardDisconnect, (e, shard) => resolve({ code: e.code, shard })));
    try {
      void client.login(fake.token).catch(() => undefined);
      expect(await disconnected).toEqual({ code: 4011, shard: 0 });
      expect(fake.gatewayStats.refusedIdentifies).toHaveLength(1);
    } finally {
      await client.destroy();
    }
  });
});
