// The store contract, run against both implementations: Redis (real, at 127.0.0.1:6379, under a fresh
// prefix removed afterwards) and the in-memory one that `npm run play` uses.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cooldownMessage, takeCooldown } from '../../src/bard/cooldown.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { RedisStore } from '../../src/store/redis.ts';
import type { Store } from '../../src/store/store.ts';

const prefix = `bardtest-store-${process.pid}-${Date.now()}`;
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [name, make] of [
  ['RedisStore', () => new RedisStore(redis, prefix)],
  ['MemoryStore', () => new MemoryStore()],
] as [string, () => Store][]) {
  describe(name, () => {
    it('binary values: every byte kept, with a TTL; a string value reads back as its UTF-8 bytes', async () => {
      const s = make();
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await s.setBytes('bin', bytes, 60);
      expect(Buffer.from((await s.getBytes('bin'))!).equals(Buffer.from(bytes))).toBe(true);
      await s.set('text', 'é{', null);
      expect(Buffer.from((await s.getBytes('text'))!).toString('utf8')).toBe('é{');
      expect(await s.getBytes('missing')).toBeNull();
      await sleep(90);
      expect(await s.getBytes('bin')).toBeNull();
    });

    it('get/set with and without TTL, setIfAbsent, del', async () => {
      const s = make();
      await s.set('a', '1', null);
      await s.set('b', '2', 50);
      expect(await s.get('a')).toBe('1');
      expect(await s.get('b')).toBe('2');
      expect(await s.setIfAbsent('a', 'x', 1000)).toBe(false);
      expect(await s.setIfAbsent('c', 'x', 1000)).toBe(true);
      expect(await s.get('c')).toBe('x');
      await sleep(80);
      expect(await s.get('b')).toBeNull();
      await s.del('a');
      expect(await s.get('a')).toBeNull();
    });

    it('hashes: one field per voter, changeable', async () => {
      const s = make();
      await s.hashSet('votes', 'alice', 'A', 1000);
      await s.hashSet('votes', 'bob', 'B', 1000);
      await s.hashSet('votes', 'alice', 'B', 1000);
      expect(await s.hashGetAll('votes')).toEqual({ alice: 'B', bob: 'B' });
      expect(await s.hashGetAll('none')).toEqual({});
    });

    it('cooldowns: the 6th job in the window is refused with the time until the window resets', async () => {
      const s = make();
      const settings = { userJobs: 5, userWindowMs: 300, channelJobs: 7, channelWindowMs: 10_000 };
      for (let i = 0; i < 5; i++) expect(await takeCooldown(s, settings, 'u1', 'c1')).toEqual({ ok: true });
      const sixth = await takeCooldown(s, settings, 'u1', 'c1');
      expect(sixth).toMatchObject({ ok: false, scope: 'user' });
      if (!sixth.ok) {
        expect(sixth.retryAfterMs).toBeGreaterThan(0);
        expect(sixth.retryAfterMs).toBeLessThanOrEqual(300);
      }
      // Another user in the same channel: the channel allows 7 in all.
      expect(await takeCooldown(s, settings, 'u2', 'c1')).toEqual({ ok: true });
      expect(await takeCooldown(s, settings, 'u3', 'c1')).toMatchObject({ ok: false, scope: 'channel' });
      await sleep(320);
      expect((await s.hit('cooldown:user:u1', 300)).count).toBe(1);
    });
  });
}

describe('cooldownMessage', () => {
  it('says when to retry, as a Discord timestamp and in seconds', () => {
    const msg = cooldownMessage({ scope: 'user', retryAfterMs: 12_300 }, 1_700_000_000_000);
    expect(msg).toContain('<t:1700000013:R>');
    expect(msg).toContain('in 13 s');
  });
});
