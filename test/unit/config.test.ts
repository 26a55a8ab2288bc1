import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { DEFAULT_MODELS } from '../../src/snapshot/index.ts';

const good = { DISCORD_TOKEN: 'x'.repeat(30), DISCORD_APP_ID: '123456789012345678' };

function problems(role: Parameters<typeof loadConfig>[0], env: Record<string, string>): string[] {
  try {
    loadConfig(role, env, { dotenv: false });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config', () => {
  it('fills in the defaults', () => {
    const c = loadConfig('worker', good, { dotenv: false });
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      models: DEFAULT_MODELS,
      modelsStrict: true,
      workerConcurrency: 32,
      guildId: null,
      discordApiUrl: null,
      prefix: 'bard',
      roundMinSeconds: 15,
      cooldown: { userJobs: 5, userWindowMs: 30_000 },
    });
  });

  it('names every missing variable for the bot, with where to find it, and none for play', () => {
    const p = problems('bot', {});
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^DISCORD_TOKEN is missing: the bot token \(Developer Portal/);
    expect(p[1]).toMatch(/^DISCORD_APP_ID is missing/);
    expect(problems('play', {})).toEqual([]);
  });

  it('one line per wrong value, saying what is expected, never echoing the token', () => {
    const p = problems('bot', {
      DISCORD_TOKEN: 'short',
      DISCORD_APP_ID: 'abc',
      REDIS_URL: 'http://x',
      WORKER_CONCURRENCY: 'lots',
      DISCORD_API_URL: 'nope',
      ROUND_MIN_SECONDS: '30',
    });
    expect(p).toHaveLength(6);
    expect(p.join('\n')).not.toContain('"short"');
    expect(p).toContain('APP_ID must be a Discord id (a number of 15–21 digits), got "abc"'.replace(/^/, 'DISCORD_'));
    expect(p.find((l) => l.startsWith('REDIS_URL'))).toMatch(/redis:\/\//);
    expect(p.find((l) => l.startsWith('WORKER_CONCURRENCY'))).toMatch(/whole number between 1 and 256/);
    expect(p.find((l) => l.startsWith('ROUND_MIN_SECONDS'))).toMatch(/at most 15/);
  });

  it('operations ports: a default each, 0 for any free port, "off" for none, anything else refused', () => {
    expect(loadConfig('worker', good, { dotenv: false })).toMatchObject({ metricsPort: 9464, healthPort: 9465, serveThreads: 1 });
    expect(loadConfig('worker', { ...good, METRICS_PORT: '0', HEALTH_PORT: 'off' }, { dotenv: false })).toMatchObject({ metricsPort: 0, healthPort: null });
    const p = problems('worker', { ...good, METRICS_PORT: '70000', HEALTH_PORT: 'eighty' });
    expect(p).toEqual([
      'METRICS_PORT must be at most 65535, got "70000"',
      'HEALTH_PORT must be a port number (0 = any free port) or "off", got "eighty"',
    ]);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig('bot', { ...good, DISCORD_GUILD_ID: '', DISCORD_API_URL: ' ' }, { dotenv: false })).toMatchObject({ guildId: null, discordApiUrl: null });
  });

  it('shards: Discord\'s recommended count by default, or a fixed count and the ids this process runs', () => {
    const shards = (env: Record<string, string>) => loadConfig('bot', { ...good, ...env }, { dotenv: false }).shards;
    expect(shards({})).toEqual({ count: 'auto', ids: null });
    expect(shards({ SHARD_COUNT: 'AUTO', SHARD_IDS: '' })).toEqual({ count: 'auto', ids: null });
    expect(shards({ SHARD_COUNT: '4' })).toEqual({ count: 4, ids: null });
    expect(shards({ SHARD_COUNT: '4', SHARD_IDS: '0-1' })).toEqual({ count: 4, ids: [0, 1] });
    expect(shards({ SHARD_COUNT: '4', SHARD_IDS: '2,3' })).toEqual({ count: 4, ids: [2, 3] });
    expect(shards({ SHARD_COUNT: '16', SHARD_IDS: ' 0, 4 - 6,15 ' })).toEqual({ count: 16, ids: [0, 4, 5, 6, 15] });
  });

  it('shards: one line per mistake', () => {
    const one = (env: Record<string, string>) => {
      const p = problems('bot', { ...good, ...env });
      expect(p).toHaveLength(1);
      return p[0];
    };
    expect(one({ SHARD_COUNT: '0' })).toBe('SHARD_COUNT must be "auto" or a whole number of shards between 1 and 100000, got "0"');
    expect(one({ SHARD_COUNT: 'two' })).toMatch(/^SHARD_COUNT must be "auto" or a whole number/);
    expect(one({ SHARD_COUNT: '4', SHARD_IDS: 'a-b' })).toBe('SHARD_IDS must be shard ids and ranges such as "0-1", "2,3" or "0,4-7", got "a-b"');
    expect(one({ SHARD_COUNT: '4', SHARD_IDS: '0,,1' })).toMatch(/^SHARD_IDS must be shard ids and ranges/);
    expect(one({ SHARD_COUNT: '4', SHARD_IDS: '3-1' })).toBe('SHARD_IDS has the range "3-1" running backwards, got "3-1"');
    expect(one({ SHARD_COUNT: '4', SHARD_IDS: '0-2,2' })).toBe('SHARD_IDS names shard 2 twice, got "0-2,2"');
    expect(one({ SHARD_IDS: '0-1' })).toMatch(/^SHARD_IDS needs a fixed SHARD_COUNT/);
    expect(one({ SHARD_COUNT: '3', SHARD_IDS: '1-4' })).toBe('SHARD_IDS names shards 3, 4, but SHARD_COUNT=3 has shards 0–2');
    // A wrong count is reported once, not again through the ids checked against it.
    expect(one({ SHARD_COUNT: '-1', SHARD_IDS: '5' })).toMatch(/^SHARD_COUNT must be/);
  });
});
