/**
 * The bot's gateway shards. Discord sends each guild's events to shard (guild_id >> 22) % count (DMs to shard 0),
 * so one application can run its gateway as several processes on several machines, each holding some shards.
 */
import type { ClientOptions } from 'discord.js';
import type { ShardSettings } from '../config.ts';

/**
 * discord.js's `shards` / `shardCount`: 'auto' asks Discord (GET /gateway/bot) for its recommended count and runs
 * every shard here; otherwise the fixed count, with every shard or only the ids given to this process.
 */
export function clientShardOptions(s: ShardSettings): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (s.count === 'auto') return { shards: 'auto' };
  return { shards: s.ids ?? Array.from({ length: s.count }, (_, id) => id), shardCount: s.count };
}

/** Close codes after which discord.js gives a shard up for good, and what to do about each. */
const GIVE_UP: Record<number, string> = {
  4004: 'authentication failed: check DISCORD_TOKEN',
  4010: 'invalid shard: SHARD_COUNT is not one Discord accepts (a very large bot must run a multiple of the count Discord assigned it; unset, SHARD_COUNT follows its recommendation), or SHARD_IDS overlap another process\'s',
  4011: 'sharding required: too many guilds for this SHARD_COUNT; raise it, or leave it unset to use the count Discord recommends',
  4012: 'invalid API version',
  4013: 'invalid intents',
  4014: 'disallowed intents: enable them for the bot in the Developer Portal',
};

/** Why Discord closed a shard for good, for the log line that stops the bot. */
export function shardCloseReason(code: number): string {
  return GIVE_UP[code] ?? `closed with code ${code}`;
}
