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
