// The fake's REST side through the real @discordjs/rest client: command registration, Discord's limits,
// the answer deadline, auth, fault injection and request recording.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST, DiscordAPIError } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { FakeDiscord } from './index.ts';

let fake: FakeDiscord;
let rest: REST;

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: DiscordAPIError) => ({ status: e.status, code: e.code, errors: (e.rawError as { errors?: unknown } | undefined)?.errors }),
  );

beforeAll(async () => {
  fake = await new FakeDiscord({ callbackDeadlineMs: 200 }).start();
  rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken(fake.token);
});

afterAll(async () => {
  await fake?.close();
});

/** An interaction acknowledged with a deferral, ready for webhook edits (no gateway client needed). */
async function deferred() {
  const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
  await rest.post(Routes.interactionCallback(ix.id, ix.token), { body: { type: 5 }, auth: false });
  return ix;
}

describe('application command registration', () => {
  const commands = [
    {
      name: 'bard',
      description: 'Complete Shakespeare',
      options: [
        { type: 3, name: 'prompt', description: 'Text', required: true, max_length: 1000 },
        { type: 10, name: 'temp', description: 'Temperature', min_value: 0.05, max_value: 5 },
      ],
    },
    { name: 'why-colon', description: 'Which weights make a colon end a line' },
  ];

  it('PUT replaces the set, keeps ids across re-registration, GET lists it', async () => {
    const first = (await rest.put(Routes.applicationGuildCommands(fake.appId, fake.guildId), { body: commands })) as { id: string; name: string; guild_id: string }[];
    expect(first.map((c) => c.name)).toEqual(['bard', 'why-colon']);
    expect(first.every((c) => c.guild_id === fake.guildId && /^\d{17,20}$/.test(c.id))).toBe(true);
    const again = (await rest.put(Routes.applicationGuildCommands(fake.appId, fake.guildId), { body: commands })) as { id: string }[];
    expect(again.map((c) => c.id)).toEqual(first.map((c) => c.id));
    const listed = (await rest.get(Routes.applicationGuildCommands(fake.appId, fake.guildId))) as unknown[];
    expect(listed).toEqual(again);
    expect(fake.commands(fake.guildId).map((c) => c.name)).toEqual(['bard', 'why-colon']);
    expect(fake.commands()).toEqual([]);
    await rest.put(Routes.applicationCommands(fake.appId), { body: commands.slice(1) });
    expect(fake.commands().map((c) => c.name)).toEqual(['why-colon']);
  });

  it('rejects what Discord rejects', async () => {
    const put = (body: unknown) => errorOf(rest.put(Routes.applicationGuildCommands(fake.appId, fake.guildId), { body }));
    expect(await put([{ name: 'Bard', description: 'upper case' }])).toMatchObject({ status: 400, code: 50035, errors: { 0: { name: {} } } });
    expect(await put([{ name: 'bard', description: '' }])).toMatchObject({ status: 400, code: 50035 });
    expect(await put([{ name: 'bard', description: 'd' }, { name: 'bard', description: 'd' }])).toMatchObject({ status: 400 });
    const optionalFirst = [{ name: 'bard', description: 'd', options: [{ type: 3, name: 'a', description: 'a' }, { type: 3, name: 'b', description: 'b', required: true }] }];
    expect(await put(optionalFirst)).toMatchObject({ status: 400, errors: { 0: { options: { 1: { required: {} } } } } });
    expect(await errorOf(rest.put(Routes.applicationGuildCommands('123', fake.guildId), { body: [] }))).toMatchObject({ status: 403, code: 20012 });
    expect(await errorOf(rest.put(Routes.applicationGuildCommands(fake.appId, '123'), { body: [] }))).toMatchObject({ status: 403, code: 50001 });
  });

  it('types injected options from the registered definition', () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', temp: 1 } });
    expect(ix.payload.data.options).toEqual([
      { name: 'prompt', type: 3, value: 'ROMEO:' },
      { name: 'temp', type: 10, value: 1 },
    ]);
    expect(ix.payload.data.id).toBe(fake.commands(fake.guildId)[0].id);
    expect(() => fake.injectSlashCommand({ name: 'bard', options: { promt: 'typo' } })).toThrow(/no option "promt"/);
  });
});

describe('auth', () => {
  it('bot routes need "Bot <token>"; webhook and callback routes need none', async () => {
    // @discordjs/rest drops its token after a 401, so each refused call gets a fresh client.
    const wrong = () => new REST({ api: fake.apiUrl, retries: 0 }).setToken('nope');
    expect(await errorOf(wrong().get(Routes.user('@me')))).toMatchObject({ status: 401 });
    expect(await rest.get(Routes.user('@me'))).toMatchObject({ id: fake.appId, bot: true });
    expect(await errorOf(wrong().post(Routes.channelMessages(fake.channels.general.id), { body: { content: 'hi' } }))).toMatchObject({ status: 401 });
    expect(fake.channelMessages(fake.channels.general.id)).toEqual([]);
  });
});

describe('interaction lifecycle and limits', () => {
  it('a callback after the deadline is refused (10062) and the token dies (50027)', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'late' } });
    expect(ix.delivered).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(await errorOf(rest.post(Routes.interactionCallback(ix.id, ix.token), { body: { type: 5 }, auth: false }))).toMatchObject({ status: 404, code: 10062 });
    expect(await errorOf(rest.post(Routes.webhook(fake.appId, ix.token), { body: { content: 'x' }, auth: false }))).toMatchObject({ status: 401, code: 50027 });
    expect(fake.interaction(ix.id)?.ack).toBeNull();
  });

  it('refuses oversize content, embeds, rows, buttons, duplicate ids, empty messages, contradictory allowed_mentions', async () => {
    const ix = await deferred();
    const edit = (body: unknown) => errorOf(rest.patch(Routes.webhookMessage(fake.appId, ix.token, '@original'), { body, auth: false }));
    const button = (id: string) => ({ type: 2, style: 1, label: id, custom_id: id });
    const row = (...ids: string[]) => ({ type: 1, components: ids.map(button) });
    expect(await edit({ content: 'é'.repeat(2001) })).toMatchObject({ code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expect(await edit({ embeds: Array.from({ length: 11 }, () => ({ description: 'e' })) })).toMatchObject({ code: 50035, errors: { embeds: {} } });
    expect(await edit({ embeds: [{ description: 'd'.repeat(4097) }] })).toMatchObject({ code: 50035 });
    expect(await edit({ components: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => row(id)) })).toMatchObject({ code: 50035, errors: { components: {} } });
    expect(await edit({ components: [row('a', 'b', 'c', 'd', 'e', 'f')] })).toMatchObject({ code: 50035, errors: { components: { 0: { components: {} } } } });
    expect(await edit({ components: [row('a'), row('a')] })).toMatchObject({ code: 50035 });
    expect(await edit({ components: [row('x'.repeat(101))] })).toMatchObject({ code: 50035 });
    expect(await edit({ content: '' })).toMatchObject({ status: 400, code: 50006 });
    expect(await edit({ content: 'x', allowed_mentions: { parse: ['users'], users: ['1'] } })).toMatchObject({ code: 50035 });
    // 2000 code points, 4000 UTF-16 units: accepted, Discord counts characters.
    expect(await edit({ content: '🎭'.repeat(2000), allowed_mentions: { parse: [] } })).toBeNull();
    expect(fake.messagesFor(ix.id)[0].history).toHaveLength(2);
  });

  it('stores multipart attachments under their payload filename and keeps listed ones on edit', async () => {
    const ix = await deferred();
    const files = [
      { name: 'a.txt', data: Buffer.from('first'), contentType: 'text/plain' },
      { name: 'b.bin', data: Buffer.from([0, 1, 2, 255]) },
    ];
    await rest.patch(Routes.webhookMessage(fake.appId, ix.token, '@original'), {
      body: { content: 'two files', attachments: [{ id: 0, filename: 'renamed.txt' }, { id: 1 }], allowed_mentions: { parse: [] } },
      files,
      auth: false,
    });
    const msg = fake.messagesFor(ix.id)[0];
    expect(msg.attachments.map((a) => [a.filename, a.content_type, a.data.toString('hex')])).toEqual([
      ['renamed.txt', 'text/plain', Buffer.from('first').toString('hex')],
      ['b.bin', 'application/octet-stream', '000102ff'],
    ]);
    const keep = msg.attachments[1].id;
    await rest.patch(Routes.webhookMessage(fake.appId, ix.token, '@original'), { body: { attachments: [{ id: keep }] }, auth: false });
    expect(fake.messagesFor(ix.id)[0].attachments.map((a) => a.id)).toEqual([keep]);
  });

  it('follow-ups and webhook reads address only this interaction’s messages', async () => {
    const ix = await deferred();
    const other = await deferred();
    await rest.patch(Routes.webhookMessage(fake.appId, ix.token, '@original'), { body: { content: 'mine' }, auth: false });
    const f = (await rest.post(Routes.webhook(fake.appId, ix.token), { body: { content: 'follow' }, query: new URLSearchParams({ wait: 'true' }), auth: false })) as { id: string; interaction_metadata: { id: string } };
    expect(f.interaction_metadata.id).toBe(ix.id);
    expect(await rest.get(Routes.webhookMessage(fake.appId, ix.token, f.id), { auth: false })).toMatchObject({ content: 'follow' });
    expect(await errorOf(rest.get(Routes.webhookMessage(fake.appId, other.token, f.id), { auth: false }))).toMatchObject({ status: 404, code: 10008 });
    await rest.delete(Routes.webhookMessage(fake.appId, ix.token, f.id), { auth: false });
    expect(fake.message(f.id)?.deleted).toBe(true);
    expect(await errorOf(rest.patch(Routes.webhookMessage('999', ix.token, '@original'), { body: { content: 'x' }, auth: false }))).toMatchObject({ status: 404, code: 10015 });
  });

  it('with_response returns the created message', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    const res = (await rest.post(Routes.interactionCallback(ix.id, ix.token), {
      body: { type: 4, data: { content: 'now', flags: 64 } },
      query: new URLSearchParams({ with_response: 'true' }),
      auth: false,
    })) as { interaction: { id: string; response_message_ephemeral: boolean }; resource: { message: { id: string; content: string } } };
    expect(res.interaction).toMatchObject({ id: ix.id, response_message_ephemeral: true });
    expect(res.resource.message).toMatchObject({ id: ix.originalId, content: 'now' });
  });

  it('plain channel messages (the fallback when a token is dead)', async () => {
    const msg = (await rest.post(Routes.channelMessages(fake.channels.general.id), { body: { content: 'fallback', allowed_mentions: { parse: [] } } })) as { id: string };
    expect(fake.channelMessages(fake.channels.general.id).map((m) => m.id)).toContain(msg.id);
    expect(await errorOf(rest.post(Routes.channelMessages('42'), { body: { content: 'x' } }))).toMatchObject({ status: 404, code: 10003 });
    expect(await errorOf(rest.post(Routes.channelMessages(fake.channels.general.id), { body: {} }))).toMatchObject({ status: 400, code: 50006 });
  });
});

describe('fault injection and recording', () => {
  it('answers faults in order, counts hits, passes through afterwards', async () => {
    const unauthorized = fake.failNext('/webhooks/*/*/messages/@original', 401);
    const notFound = fake.failNext(/\/messages\/@original$/, 404, { method: 'PATCH' });
    const ix = await deferred();
    const edit = () => errorOf(rest.patch(Routes.webhookMessage(fake.appId, ix.token, '@original'), { body: { content: 'x' }, auth: false }));
    expect(await edit()).toMatchObject({ status: 401, code: 50027 });
    expect(await edit()).toMatchObject({ status: 404, code: 10015 });
    expect(await edit()).toBeNull();
    expect([unauthorized.hits, notFound.hits, notFound.remaining]).toEqual([1, 1, 0]);
    expect(fake.requestsFor(ix.id).map((r) => [r.route, r.status, r.injected])).toEqual([
      ['interactionCallback', 204, false],
      ['webhookEditMessage', 401, true],
      ['webhookEditMessage', 404, true],
      ['webhookEditMessage', 200, false],
    ]);
  });

  it('a global 429 is honoured, and 5xx past the retry budget reaches the caller', async () => {
    const retrying = new REST({ api: fake.apiUrl, retries: 2 }).setToken(fake.token);
    fake.rateLimit('/channels/*/messages', { retryAfter: 0.2, global: true });
    const start = Date.now();
    await retrying.post(Routes.channelMessages(fake.channels.general.id), { body: { content: 'after global limit' } });
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    const limited = fake.requests.filter((r) => r.status === 429).at(-1)!;
    expect(limited.response).toMatchObject({ global: true, retry_after: 0.2 });

    const before = fake.requests.length;
    fake.failNext('/channels/*/messages', 503, { times: Infinity });
    await expect(retrying.post(Routes.channelMessages(fake.channels.general.id), { body: { content: 'x' } })).rejects.toMatchObject({ status: 503 });
    expect(fake.requests.length - before).toBe(3);
    fake.clearFaults();
  });

  it('delays and dropped connections', async () => {
    fake.injectFault({ path: '/users/@me', delayMs: 150 });
    const start = Date.now();
    await rest.get(Routes.user('@me'));
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    fake.injectFault({ path: '/users/@me', drop: true });
    await expect(rest.get(Routes.user('@me'))).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({ path: '/users/@me', status: 0, injected: true });
  });

  it('waitFor sees past and future requests; unknown routes are recorded as 404', async () => {
    const past = await fake.waitFor((r) => r.route === 'getCurrentUser');
    expect(past.seq).toBeGreaterThan(0);
    const future = fake.waitForCount((r) => r.route === 'unknown', 2, 2000);
    await errorOf(rest.get('/guilds/1/bans' as `/${string}`));
    await errorOf(rest.post('/nowhere' as `/${string}`, { body: {} }));
    const unknown = await future;
    expect(unknown.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/guilds/1/bans', 404],
      ['POST', '/nowhere', 404],
    ]);
    await expect(fake.waitFor((r) => r.path === '/never', 50)).rejects.toThrow(/timed out after 50 ms/);
  });
});
