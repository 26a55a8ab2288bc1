// Issue 18, item 3: what an interaction leaves in Redis once its token is dead (15 minutes). Only the result's
// one compact key stays, for STATE_TTL_HOURS, so its buttons keep working; the posting records expire with
// the token. Measured with MEMORY USAGE on the real keys a run of /bard and button presses leaves: ≤ 600 bytes
// per interaction. A button whose state is gone answers, only to the presser, that it has expired.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeResult } from '../../src/bard/result-codec.ts';
import { FakeDiscord, type StoredMessage } from '../fake-discord/index.ts';
import { bardEnv, freshPrefix, parseCompletion, REDIS_URL, shutDown, spawnBard, waitAnswered, waitReady, type Proc } from './harness.ts';

const TOKEN_MS = 15 * 60_000;
const STATE_TTL_MS = 24 * 3_600_000;
const SLASH = 24;
const PRESSES = 8;

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
let worker: Proc;
let redis: Redis;

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
  delete env.STATE_TTL_HOURS; // the default, 24 h
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  await waitReady(fake, bot, [worker], 60_000);
}, 90_000);

afterAll(async () => {
  redis?.disconnect();
  await shutDown(fake, prefix, [bot, worker]);
}, 30_000);

function buttonId(m: StoredMessage, action: string): string {
  const ids: string[] = m.components.flatMap((row: { components: { custom_id: string }[] }) => row.components.map((b) => b.custom_id));
  return ids.find((c) => c.startsWith(`bard:${action}:`))!;
}

async function keysUnder(p: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, ks] = await redis.scan(cursor, 'MATCH', `${p}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...ks);
  } while (cursor !== '0');
  return out;
}

describe('Redis state per interaction', () => {
  it(`${SLASH} /bard and ${PRESSES} button presses: past 15 minutes only the results' compact keys remain, ≤ 600 bytes per interaction`, async () => {
    const users = Array.from({ length: 6 }, (_, i) => fake.addUser(`poet${i}`));
    const prompts = ['ROMEO:', 'JULIET: O Romeo, Romeo, wherefore art thou', 'KING HENRY: Once more unto the breach', 'First Citizen:'];
    const slash = Array.from({ length: SLASH }, (_, i) => fake.injectSlashCommand({ name: 'bard', options: { prompt: prompts[i % prompts.length] }, user: users[i % users.length] }).id);
    await waitAnswered(fake, slash, 60_000);
    const actions = ['again', 'cooler', 'hotter', 'continue'];
    const presses = Array.from({ length: PRESSES }, (_, i) => {
      const [m] = fake.messagesFor(slash[i]);
      return fake.injectButton({ customId: buttonId(m, actions[i % actions.length]), messageId: m.id, user: users[(i + 1) % users.length] }).id;
    });
    await waitAnswered(fake, presses, 60_000);
    const interactions = [...slash, ...presses];

    // Bard's own keys (BullMQ's queue keys under `<prefix>:jobs:` are counted apart, below).
    const own = (await keysUnder(prefix)).filter((k) => !k.startsWith(`${prefix}:jobs:`));
    const kept: string[] = [];
    let keptBytes = 0;
    for (const k of own) {
      const ttl = await redis.pttl(k);
      const kind = k.slice(prefix.length + 1).split(':')[0];
      expect(ttl, k).toBeGreaterThan(0); // nothing is kept for ever
      if (kind === 'posting' || kind === 'posted') expect(ttl, k).toBeLessThanOrEqual(TOKEN_MS);
      if (kind === 'result') expect(ttl, k).toBeGreaterThan(STATE_TTL_MS - 5 * 60_000);
      if (ttl > TOKEN_MS) {
        kept.push(kind);
        keptBytes += Number(await redis.memory('USAGE', k));
      }
    }
    // Past 15 minutes: one result key per interaction, nothing else.
    expect(kept.sort()).toEqual(interactions.map(() => 'result'));
    const perInteraction = keptBytes / interactions.length;

    // BullMQ keeps a finished job for 15 minutes (at most 5000): a bounded overhead, not per interaction.
    const jobKeys = (await keysUnder(`${prefix}:jobs`)).filter((k) => /:jobs:complete-\d+$/.test(k));
    let jobBytes = 0;
    for (const k of jobKeys) jobBytes += Number(await redis.memory('USAGE', k));
    console.log(
      `kept past 15 min: ${Math.round(perInteraction)} bytes per interaction (${interactions.length} interactions, MEMORY USAGE); ` +
        `a finished BullMQ job, kept ≤ 15 min: ${Math.round(jobBytes / Math.max(1, jobKeys.length))} bytes`,
    );
    expect(perInteraction).toBeLessThanOrEqual(600);
  }, 120_000);

  it('a button whose state has expired says so, only to the presser, and starts no job', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'HAMLET:' } });
    await waitAnswered(fake, [ix.id], 30_000);
    const [m] = fake.messagesFor(ix.id);
    await redis.del(`${prefix}:result:${ix.id}`); // what STATE_TTL_HOURS does
    const press = fake.injectButton({ customId: buttonId(m, 'again'), messageId: m.id, user: fake.users.bob });
    const [reply] = await fake.waitUntil(() => (fake.interaction(press.id)?.ack ? fake.messagesFor(press.id) : null), 10_000, 'the answer');
    expect(fake.interaction(press.id)!.ack).toBe('reply');
    expect(reply).toMatchObject({ ephemeral: true, content: 'These buttons have expired. Start again with /bard.' });
    expect(fake.pings(reply)).toEqual({ users: [], roles: [], everyone: false });
    expect(await redis.exists(`${prefix}:jobs:complete-${press.id}`)).toBe(0);
  }, 60_000);

  it('a result kept in the earlier JSON format still works its buttons', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'OTHELLO:', temp: 0.5, length: 40 } });
    await waitAnswered(fake, [ix.id], 30_000);
    const [m] = fake.messagesFor(ix.id);
    const state = { author: { id: fake.users.alice.id, name: 'alice' }, prompt: 'OTHELLO:', text: parseCompletion(m.content)!.continuation, temp: 0.5, length: 40 };
    await redis.set(`${prefix}:result:${ix.id}`, JSON.stringify(state), 'PX', 60_000);
    const press = fake.injectButton({ customId: buttonId(m, 'cooler'), messageId: m.id, user: fake.users.bob });
    await waitAnswered(fake, [press.id], 30_000);
    const again = parseCompletion(fake.messagesFor(press.id)[0].content)!;
    expect(again.header).toMatch(/pressed \*\*Cooler\*\* .* temperature 0\.3333$/);
    expect(again.prompt).toBe('OTHELLO:');
    // The new format is the smaller one.
    expect(encodeResult(state).length).toBeLessThan(JSON.stringify(state).length);
  }, 60_000);
});
