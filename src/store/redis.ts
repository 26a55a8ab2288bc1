import type { Redis } from 'ioredis';
import type { Store } from './store.ts';

/** INCR a window counter, start its expiry on the first hit, report the count and the time left. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** The Store on Redis. Every key is written as `<prefix>:<key>`. */
export class RedisStore implements Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(key: string): string {
    return `${this.prefix}:${key}`;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    if (ttlMs === null) await this.redis.set(this.k(key), value);
    else await this.redis.set(this.k(key), value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async getBytes(key: string): Promise<Uint8Array | null> {
    return this.redis.getBuffer(this.k(key));
  }

  async setBytes(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.redis.set(this.k(key), Buffer.from(value.buffer, value.byteOffset, value.byteLength), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k(key), value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.multi().hset(this.k(key), field, value).pexpire(this.k(key), Math.max(1, Math.round(ttlMs))).exec();
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.k(key));
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.k(key), String(Math.round(windowMs)))) as [number, number];
    return { count: Number(count), resetMs: Number(ttl) };
  }
}
