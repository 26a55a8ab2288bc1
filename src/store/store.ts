/**
 * The little key-value store Bard's state lives in: button and round state with a TTL, votes,
 * channel defaults, cooldown counters and posting guards. Redis in production (RedisStore),
 * a Map in `npm run play` and unit tests (MemoryStore). Keys are relative: each store adds its prefix.
 */
export interface Store {
  get(key: string): Promise<string | null>;
  /** ttlMs = null keeps the key until it is deleted. */
  set(key: string, value: string, ttlMs: number | null): Promise<void>;
  /** Sets the key only if it does not exist; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Binary values (compact encodings); a key written with `set` reads back as its UTF-8 bytes. */
  getBytes(key: string): Promise<Uint8Array | null>;
  setBytes(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  hashGetAll(key: string): Promise<Record<string, string>>;
  /** Counts one hit in a fixed window that starts at the first hit: the count so far and ms until the window resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
}

/** JSON helpers: the caller validates what comes back (Redis content is never trusted). */
export async function getJson(store: Store, key: string): Promise<unknown> {
  const raw = await store.get(key);
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function setJson(store: Store, key: string, value: unknown, ttlMs: number | null): Promise<void> {
  return store.set(key, JSON.stringify(value), ttlMs);
}
