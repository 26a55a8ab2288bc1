// The real discord.js v14 client against the fake: login, ready, slash commands, buttons, attachments,
// rate limits and 5xx honoured by @discordjs/rest, gateway drops and resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  PermissionFlagsBits,
  Routes,
  type Interaction,
} from 'discord.js';
import { REST } from '@discordjs/rest';
import { FakeDiscord, Permission, DEFAULT_MEMBER_PERMISSIONS, pingsAnyone } from './index.ts';

let fake: FakeDiscord;
let client: Client;

/** Runs `fn` on the next interaction the client receives; resolves with its result. */
function handleNext<T>(fn: (i: Interaction) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    client.once(Events.InteractionCreate, (i) => void fn(i).then(resolve, reject));
  });
}

const BARD_COMMAND = {
  name: 'bard',
  description: 'Complete a line of Shakespeare',
  options: [
    { type: 3, name: 'prompt', description: 'Text to continue', required: true, max_length: 1000 },
    { type: 10, name: 'temp', description: 'Temperature', min_value: 0.05, max_value: 5 },
    { type: 4, name: 'length', description: 'Characters to generate', min_value: 20, max_value: 1500 },
    { type: 3, name: 'model', description: 'Which model', autocomplete: true },
  ],
};

beforeAll(async () => {
  fake = await new FakeDiscord({ heartbeatIntervalMs: 250 }).start();
  const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
  await rest.put(Routes.applicationGuildCommands(fake.appId, fake.guildId), { body: [BARD_COMMAND] });
  client = new Client({ intents: [GatewayIntentBits.Guilds], ...fake.clientOptions() });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(fake.token);
  await ready;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe('discord.js against the fake', () => {
  it('logs in over the fake gateway and caches the guild from GUILD_CREATE', async () => {
    expect(client.user?.id).toBe(fake.appId);
    expect(client.application?.id).toBe(fake.appId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(fake.channels.bard.id)?.name).toBe('bard');
    expect(guild?.members.me?.id).toBe(fake.appId);
    // discord.js asked for plain JSON over API v10, without zlib-stream.
    expect(fake.gatewayStats.queries[0]).toEqual({ v: '10', encoding: 'json' });
    const gw = fake.requests.find((r) => r.route === 'getGatewayBot');
    expect(gw?.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(gw?.version).toBe(10);
  });

  it('answers heartbeats', async () => {
    await fake.waitUntil(() => fake.gatewayStats.heartbeats >= 2, 3000);
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('slash command: defer, edit with no mention parsing, follow-up with an attachment', async () => {
    const poem = Buffer.from('ROMEO:\nBut soft, what light\n');
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      const prompt = i.options.getString('prompt', true);
      await i.editReply({ content: `**${prompt}** for <@${fake.users.bob.id}> @everyone`, allowedMentions: { parse: [] } });
      await i.followUp({ content: 'as a file', files: [new AttachmentBuilder(poem, { name: 'bard.txt' })], allowedMentions: { parse: [] } });
      return {
        prompt,
        temp: i.options.getNumber('temp'),
        length: i.options.getInteger('length'),
        user: i.user.id,
        canManage: i.memberPermissions?.has(PermissionFlagsBits.ManageChannels),
        channel: i.channelId,
      };
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', temp: 1, length: 200 } });
    expect(ix.delivered).toBe(1);
    const seen = await done;
    expect(seen).toEqual({ prompt: 'ROMEO:', temp: 1, length: 200, user: fake.users.alice.id, canManage: false, channel: fake.channels.bard.id });

    expect(ix.ack).toBe('defer');
    expect(ix.ackAt! - ix.createdAt).toBeLessThan(3000);
    const [callback, edit, follow] = fake.requestsFor(ix.id);
    expect(callback.route).toBe('interactionCallback');
    expect(callback.body).toEqual({ type: 5, data: { flags: 0 } });
    expect(edit.route).toBe('webhookEditMessage');
    expect(edit.method).toBe('PATCH');
    expect(edit.path).toBe(`/webhooks/${fake.appId}/${ix.token}/messages/@original`);
    expect(edit.allowedMentions).toEqual({ parse: [] });
    expect(edit.headers.authorization).toBeUndefined();
    expect(follow.route).toBe('followUp');
    expect(follow.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(follow.files).toHaveLength(1);
    expect(follow.files[0].name).toBe('bard.txt');
    expect(follow.files[0].data.equals(poem)).toBe(true);

    const [original, followUp] = fake.messagesFor(ix.id);
    expect(original.content).toBe(`**ROMEO:** for <@${fake.users.bob.id}> @everyone`);
    expect(original.loading).toBe(false);
    expect(original.history.map((v) => v.via)).toEqual(['interactionCallback', 'webhookEditMessage']);
    expect(pingsAnyone(fake.pings(original))).toBe(false);
    expect(followUp.kind).toBe('followup');
    expect(followUp.attachments.map((a) => [a.filename, a.size])).toEqual([['bard.txt', poem.length]]);
    const served = await fetch(followUp.attachments[0].url);
    expect(Buffer.from(await served.arrayBuffer()).equals(poem)).toBe(true);
  });

  it('sees the mentions an edit without allowed_mentions would ping', async () => {
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.reply({ content: `hello <@${fake.users.bob.id}>` });
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    expect(fake.pings(fake.messagesFor(ix.id)[0]).users).toEqual([fake.users.bob.id]);
  });

  it('a member with Manage Channels is seen as such', async () => {
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      const can = i.memberPermissions?.has(PermissionFlagsBits.ManageChannels);
      await i.reply({ content: can ? 'ok' : 'no', flags: 64 });
      return can;
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' }, user: fake.users.bob, permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels });
    expect(await done).toBe(true);
    const [reply] = fake.messagesFor(ix.id);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('ok');
  });

  it('defer then follow-up fills the deferred message, as Discord does', async () => {
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply({ flags: 64 });
      await i.followUp({ content: 'first', allowedMentions: { parse: [] } });
      await i.followUp({ content: 'second', allowedMentions: { parse: [] } });
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    const msgs = fake.messagesFor(ix.id);
    expect(msgs.map((m) => [m.kind, m.content, m.ephemeral])).toEqual([
      ['original', 'first', true],
      ['followup', 'second', false],
    ]);
  });

  it('autocomplete: the focused option and its partial value reach discord.js; respond() is recorded, limits enforced', async () => {
    const seen = handleNext(async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected an autocomplete interaction');
      const focused = i.options.getFocused(true);
      await i.respond([{ name: `${focused.value}-one · H 250`, value: `${focused.value}-one` }]);
      return { command: i.commandName, focused: focused.name, value: focused.value, prompt: i.options.getString('prompt') };
    });
    const ix = fake.injectAutocomplete({ name: 'bard', options: { prompt: 'ROMEO:' }, focused: { name: 'model', value: 'ba' } });
    expect(await seen).toEqual({ command: 'bard', focused: 'model', value: 'ba', prompt: 'ROMEO:' });
    await fake.waitUntil(() => fake.interaction(ix.id)!.ack === 'autocomplete');
    expect(fake.interaction(ix.id)!.choices).toEqual([{ name: 'ba-one · H 250', value: 'ba-one' }]);
    expect(fake.messagesFor(ix.id)).toEqual([]);

    // 26 choices, or a name over 100 characters: refused as Discord refuses them.
    for (const choices of [Array.from({ length: 26 }, (_, k) => ({ name: `m${k}`, value: `m${k}` })), [{ name: 'x'.repeat(101), value: 'x' }]]) {
      const err = handleNext(async (i) => {
        if (!i.isAutocomplete()) throw new Error('expected an autocomplete interaction');
        return i.respond(choices).then(() => null, (e: unknown) => e);
      });
      fake.injectAutocomplete({ name: 'bard', focused: { name: 'model', value: '' } });
      const e = await err;
      expect(e).toBeInstanceOf(DiscordAPIError);
      expect((e as DiscordAPIError).code).toBe(50035);
    }
  });

  it('buttons: deferUpdate + editReply, then update, edit the message the button is on', async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId('hotter').setLabel('Hotter').setStyle(ButtonStyle.Danger),
    );
    const first = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.reply({ content: 'v1', components: [row], allowedMentions: { parse: [] } });
    });
    const cmd = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await first;
    const resultId = cmd.originalId!;
    expect(fake.message(resultId)?.components[0].components.map((c: { custom_id: string }) => c.custom_id)).toEqual(['again', 'hotter']);

    const second = handleNext(async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.deferUpdate();
      await i.editReply({ content: `v2 by ${i.user.username}`, components: [row], allowedMentions: { parse: [] } });
      return { customId: i.customId, messageId: i.message.id };
    });
    const press = fake.injectButton({ customId: 'again', messageId: resultId, user: fake.users.bob });
    expect(await second).toEqual({ customId: 'again', messageId: resultId });
    expect(press.ack).toBe('deferUpdate');
    expect(fake.message(resultId)?.content).toBe('v2 by bob');

    const third = handleNext(async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.update({ content: 'v3', components: [], allowedMentions: { parse: [] } });
    });
    const press2 = fake.injectButton({ customId: 'hotter', messageId: resultId });
    await third;
    expect(press2.ack).toBe('update');
    const msg = fake.message(resultId)!;
    expect(msg.content).toBe('v3');
    expect(msg.components).toEqual([]);
    expect(msg.history.map((v) => v.content)).toEqual(['v1', 'v2 by bob', 'v3']);
  });

  it('a 429 on the edit is waited out by @discordjs/rest and retried once', async () => {
    const fault = fake.rateLimit('/webhooks/*/*/messages/@original', { retryAfter: 0.3, method: 'PATCH' });
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      await i.editReply({ content: 'after the limit', allowedMentions: { parse: [] } });
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    expect(fault.hits).toBe(1);
    const edits = fake.requestsFor(ix.id).filter((r) => r.route === 'webhookEditMessage');
    expect(edits.map((r) => [r.status, r.injected])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(edits[0].response).toMatchObject({ retry_after: 0.3, global: false });
    expect(edits[1].time - edits[0].respondedAt).toBeGreaterThanOrEqual(290);
    expect(fake.messagesFor(ix.id)[0].content).toBe('after the limit');
  });

  it('5xx answers are retried by @discordjs/rest; the fake counts every attempt', async () => {
    fake.failNext('/webhooks/*/*', 502, { method: 'POST', times: 2 });
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.reply({ content: 'v1' });
      await i.followUp({ content: 'more', allowedMentions: { parse: [] } });
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    const posts = fake.requestsFor(ix.id).filter((r) => r.route === 'followUp');
    expect(posts.map((r) => r.status)).toEqual([502, 502, 200]);
    expect(fake.messagesFor(ix.id).map((m) => m.content)).toEqual(['v1', 'more']);
  });

  it('Discord limits surface as DiscordAPIError in discord.js', async () => {
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      const errors: unknown[] = [];
      await i.editReply({ content: 'x'.repeat(2001) }).catch((e) => errors.push(e));
      const rows = Array.from({ length: 6 }, (_, k) => new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId(`b${k}`).setLabel('b').setStyle(ButtonStyle.Secondary)));
      await i.editReply({ content: 'rows', components: rows }).catch((e) => errors.push(e));
      await i.editReply({ content: 'x'.repeat(2000), allowedMentions: { parse: [] } });
      return errors;
    });
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    const errors = await done;
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e).toBeInstanceOf(DiscordAPIError);
      expect((e as DiscordAPIError).code).toBe(50035);
      expect((e as DiscordAPIError).status).toBe(400);
    }
    expect((errors[0] as DiscordAPIError).rawError).toMatchObject({ errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expect(fake.messagesFor(ix.id)[0].content).toHaveLength(2000);
  });

  it('an expired interaction token is refused with 401 50027', async () => {
    const done = handleNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
      await i.deferReply();
      fake.expireInteraction(i.id);
      return i.editReply({ content: 'too late' }).then(() => null, (e: DiscordAPIError) => [e.status, e.code]);
    });
    fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    expect(await done).toEqual([401, 50027]);
  });

  it('a second callback on an answered interaction gets 40060; a webhook edit before any answer 10015', async () => {
    const rest = new REST({ api: fake.apiUrl, retries: 0 });
    const done = handleNext(async (i) => {
      const early = await rest
        .patch(Routes.webhookMessage(fake.appId, i.token, '@original'), { body: { content: 'x' }, auth: false })
        .then(() => null, (e: DiscordAPIError) => [e.status, e.code]);
      await (i as Interaction & { deferReply(): Promise<unknown> }).deferReply();
      const again = await rest
        .post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { content: 'twice' } }, auth: false })
        .then(() => null, (e: DiscordAPIError) => [e.status, e.code]);
      return { early, again };
    });
    fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    expect(await done).toEqual({ early: [404, 10015], again: [400, 40060] });
  });

  it('survives a dropped gateway connection by resuming, and re-identifies when the session is gone', async () => {
    const resumes = fake.gatewayStats.resumes;
    const identifies = fake.gatewayStats.identifies;
    fake.dropGatewayConnections({ code: 4000 });
    await fake.waitUntil(() => fake.gatewayStats.resumes > resumes && fake.gateway.liveSessions().length === 1, 5000);
    let done = handleNext(async (i) => (i.isChatInputCommand() ? i.reply({ content: 'after resume' }) : undefined));
    let ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    expect(fake.messagesFor(ix.id)[0].content).toBe('after resume');

    fake.dropGatewayConnections({ invalidateSessions: true });
    await fake.waitUntil(() => fake.gatewayStats.identifies > identifies && fake.gateway.liveSessions().length === 1, 8000);
    done = handleNext(async (i) => (i.isChatInputCommand() ? i.reply({ content: 'after identify' }) : undefined));
    ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    expect(fake.messagesFor(ix.id)[0].content).toBe('after identify');
    expect(fake.gatewayStats.invalidSessions).toBeGreaterThanOrEqual(1);
  });

  it('refused gateway connections keep the client out until they are allowed again', async () => {
    fake.refuseGatewayConnections = true;
    fake.dropGatewayConnections();
    await fake.waitUntil(() => fake.gatewayStats.refused >= 1, 5000);
    expect(fake.gateway.liveSessions()).toHaveLength(0);
    fake.refuseGatewayConnections = false;
    await fake.waitUntil(() => fake.gateway.liveSessions().length === 1, 8000);
    const done = handleNext(async (i) => (i.isChatInputCommand() ? i.reply({ content: 'back' }) : undefined));
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'x' } });
    await done;
    expect(fake.messagesFor(ix.id)[0].content).toBe('back');
  });
});

describe('login with a wrong token', () => {
  it('is refused: discord.js reports TokenInvalid', async () => {
    const other = new Client({ intents: [GatewayIntentBits.Guilds], ...fake.clientOptions() });
    await expect(other.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await other.destroy();
    const last = fake.requests.filter((r) => r.route === 'getGatewayBot').at(-1);
    expect(last?.status).toBe(401);
  });
});
