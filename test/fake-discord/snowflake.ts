// Discord snowflakes: ms since the Discord epoch << 22 | worker << 17 | process << 12 | increment.
// Fresh ids are unique and sort by creation time like real ones, so code that compares or parses them behaves.
const DISCORD_EPOCH = 1420070400000n;

let lastMs = 0n;
let increment = 0n;

export function snowflake(at: number = Date.now()): string {
  let ms = BigInt(Math.floor(at));
  if (ms <= lastMs) {
    ms = lastMs;
    increment += 1n;
    // 4096 ids per millisecond: borrow the next millisecond rather than repeat an id.
    if (increment > 0xfffn) {
      ms += 1n;
      increment = 0n;
    }
  } else {
    increment = 0n;
  }
  lastMs = ms;
  return (((ms - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n) | increment).toString();
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Which shard of `count` receives a guild's events: Discord's (guild_id >> 22) % count; no guild (DMs) is shard 0. */
export function shardOf(guildId: string | null | undefined, count: number): number {
  if (!guildId) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

let shardedIncrement = 0n;

/**
 * A fresh snowflake whose guild would land on `shard` of `count`: its timestamp is moved forward by at most
 * count - 1 ms. The worker id (2) keeps these apart from snowflake()'s ids.
 */
export function snowflakeOnShard(shard: number, count: number, at: number = Date.now()): string {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(shard) || shard < 0 || shard >= count) {
    throw new Error(`fake-discord: no shard ${shard} of ${count}`);
  }
  let ms = BigInt(Math.floor(at)) - DISCORD_EPOCH;
  ms += (BigInt(shard) - (ms % BigInt(count)) + BigInt(count)) % BigInt(count);
  shardedIncrement = (shardedIncrement + 1n) & 0xfffn;
  return ((ms << 22n) | (2n << 17n) | (1n << 12n) | shardedIncrement).toString();
}
