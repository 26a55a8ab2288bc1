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
});
