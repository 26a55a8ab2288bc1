// Issue 6, item 7: the bot token never appears in the logs, error logs included. Bot and worker run with a
// recognisable token at the most verbose log level; the fake then answers with errors whose bodies echo
// the token and the request's headers (as a misbehaving proxy or API might), on the bot's callbacks, the
// worker's webhook edits and its bot-authorised channel fallback. Every line either process wrote is
// searched for the token, and for the interaction tokens (15-minute credentials) too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type Injected } from '../fake-discord/index.ts';
import { bardEnv, freshPrefix, logLines, originalPath, shutDown, spawnBard, until, waitAnswered, waitReady, type Proc } from './harness.ts';

const SECRET = randomBytes(18).toString('base64url');
const TOKEN = `MTIzNDU2Nzg5.Bard-Secret.${SECRET}`;

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
let worker: Proc;
const interactions: Injected[] = [];

/** An error body that repeats what it was sent, credentials included. */
const echo = (status: number) => ({
  message: `${status}: rejected request with headers {"authorization":"Bot ${TOKEN}"} (token ${TOKEN})`,
  code: 0,
  headers: { authorization: `Bot ${TOKEN}` },
});

beforeAll(async () => {
  fake = await new FakeDiscord({ token: TOKEN }).start();
  prefix = freshPrefix();
  const env = bardEnv(fake, prefix, { LOG_LEVEL: 'trace', COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0' });
  expect(env.DISCORD_TOKEN).toBe(TOKEN);
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  await waitReady(fake, bot, [worker]);
}, 60_000);

afterAll(async () => {
  await shutDown(fake, prefix, [bot, worker]);
}, 30_000);

function bard(prompt: string): Injected {
  const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt, length: 30 } });
  interactions.push(ix);
  return ix;
}

describe('secrets stay out of the logs', () => {
  it('errors whose bodies carry the token are logged, scrubbed', async () => {
    // The bot's deferral is refused, with the token in the error.
    const a = bard('ROMEO: the bot errs');
    fake.failNext((m, p) => m === 'POST' && p.startsWith(`/interactions/${a.id}/`), 400, { body: echo(400) });
    await bot.waitForLine(new RegExp(`"interaction failed".*${a.id}|${a.id}.*"interaction failed"`), 20_000);

    // The worker's edit is refused (400) with the token in the error: the job fails for good, then a notice.
    const b = bard('JULIET: the worker errs');
    fake.failNext((m, p) => m === 'PATCH' && p === originalPath(fake, b.token), 400, { body: echo(400) });
    await until(async () => logLines(worker).some((l) => l.msg === 'job failed' && l.jobId === `complete-${b.id}`), 20_000, 'the failed job');

    // A dead interaction token, then the bot-authorised channel fallback refused with 401 echoing the headers.
    const c = bard('HAMLET: everyone errs');
    fake.failNext((m, p) => m === 'PATCH' && p === originalPath(fake, c.token), 404, { body: echo(404), times: Infinity });
    fake.failNext((m, p) => m === 'POST' && p === `/channels/${fake.channels.bard.id}/messages`, 401, { body: echo(401) });
    await until(async () => logLines(worker).some((l) => typeof l.msg === 'string' && l.msg.startsWith('gave up posting') && l.interaction === c.id), 20_000, 'the give-up');

    // An ordinary one still works (a deferral and an edit through the interaction's webhook).
    const d = bard('PUCK: nobody errs');
    await waitAnswered(fake, [d.id], 20_000);

    // The errors did reach the logs, with the token replaced.
    const errors = [...logLines(bot), ...logLines(worker)].filter((l) => l.level >= 50);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    const text = errors.map((l) => JSON.stringify(l)).join('\n');
    expect(text).toContain('[redacted]');
    expect(text).toMatch(/rejected request with headers/);
  }, 90_000);

  it('no line of either process, stdout or stderr, holds the bot token or an interaction token', () => {
    const all = [...bot.out, ...bot.err, ...worker.out, ...worker.err];
    expect(all.length).toBeGreaterThan(10);
    const leaks = all.filter((l) => l.includes(TOKEN) || l.includes(SECRET));
    expect(leaks).toEqual([]);
    for (const ix of interactions) {
      const secretPart = ix.token.split(':').pop()!;
      expect(all.filter((l) => l.includes(secretPart)), ix.id).toEqual([]);
    }
  });
});
