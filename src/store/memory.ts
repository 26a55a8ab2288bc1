import type { Store } from './store.ts';

interface Entry {
  value: string | Map<string, string> | number | Uint8Array;
  expiresAt: number | null;
}

/** An in-process Store with the same semantics as RedisStore (used by `npm run play` and unit tests). */
export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private expiry(ttlMs: number | null): number | null {
    return ttlMs === null ? null : this.now() + ttlMs;
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    return e && typeof e.value === 'string' ? e.value : null;
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    this.map.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async getBytes(key: string): Promise<Uint8Array | null> {
    const e = this.live(key);
    if (e && e.value instanceof Uint8Array) return e.value.slice();
    return e && typeof e.value === 'string' ? new TextEncoder().encode(e.value) : null;
  }

  async setBytes(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.map.set(key, { value: value.slice(), expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.map.set(key, { value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const e = this.live(key);
    const h = e && e.value instanceof Map ? e.value : new Map<string, string>();
    h.set(field, value);
    this.map.set(key, { value: h, expiresAt: this.expiry(ttlMs) });
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    const e = this.live(key);
    return e && e.value instanceof Map ? Object.fromEntries(e.value) : {};
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const e = this.live(key);
    if (!e || typeof e.value !== 'number') {
      this.map.set(key, { value: 1, expiresAt: this.now() + windowMs });
      return { count: 1, resetMs: windowMs };
    }
    e.value += 1;
    return { count: e.value, resetMs: Math.max(0, (e.expiresAt ?? this.now()) - this.now()) };
  }
}
