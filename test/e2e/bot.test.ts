// End to end: the real front door (the discord.js gateway bot, or the HTTP interactions endpoint) and worker
// processes, the local Discord fake and the real Redis. Interactions are injected into the fake, which
// dispatches them over its gateway or signs and POSTs them; the assertions are on what the fake received.
// Every flow runs through both front doors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_PERMISSIONS, FakeDiscord, Permission, type FakeUser, type StoredMessage } from '../fake-discord/index.ts';
import { complete } from '../../src/rnn/generate.ts';
import type { Model } from '../../src/rnn/model.ts';
import { loadSnapshot } from '../../src/snapshot/index.ts';
import { bardEnv, beforeItsDeferral, FRONT_DOORS, freshPrefix, parseCompletion, REFERENCE_SNAPSHOT, shutDown, spawnBard, startFrontDoor, type Proc } from './harness.ts';

let fake: FakeDiscord;
let prefix: string;
let front: Proc;
let worker: Proc;
let model: Model;
let carol: FakeUser;
let dave: FakeUser;

const COMMANDS = ['bard', 'bard-round', 'bard-config', 'bard-models', 'why-colon', 'why'];

/** Waits for the interaction's deferred reply to be filled in, and returns its messages (original, then follow-ups). */
async function answered(id: string, count = 1): Promise<StoredMessage[]> {
  return fake.waitUntil(() => {
    const ms = fake.messagesFor(id);
    return ms.length >= count && ms.every((m) => !m.loading) ? ms : null;
  }, 20_000);
}

/** Every message-carrying request for this interaction: ≤ 2000 characters, allowed_mentions parse []. */
function expectSafe(id: string) {
  const posts = fake.requestsFor(id).filter((r) => ['webhookEditMessage', 'followUp', 'interactionCallback', 'interactionResponse'].includes(r.route) && !beforeItsDeferral(fake, r));
  expect(posts.length).toBeGreaterThan(0);
  for (const r of posts) {
    const content = r.body?.content ?? r.body?.data?.content;
    if (content !== undefined) {
      expect([...content].length).toBeLessThanOrEqual(2000);
      expect(r.allowedMentions, `${r.route} ${r.path}`).toEqual({ parse: [] });
    }
    expect(r.status).toBeLessThan(300);
  }
  for (const m of fake.messagesFor(id)) expect(fake.pings(m)).toEqual({ users: [], roles: [], everyone: false });
}

function expectDeferredInTime(id: string) {
  const ix = fake.interaction(id)!;
  expect(ix.ack).toBe('defer');
  expect(ix.ackAt! - ix.createdAt).toBeLessThan(3000);
}

function seedOf(footer: string): number {
  return Number(/seed (\d+)/.exec(footer)![1]);
}

function buttonId(m: StoredMessage, action: string): string {
  const ids: string[] = m.components.flatMap((row: { components: { custom_id: string }[] }) => row.components.map((b) => b.custom_id));
  return ids.find((c) => c.startsWith(`bard:${action}:`))!;
}

describe.each(FRONT_DOORS)('Bard end to end through the %s front door (+ worker, Redis, Discord fake)', (mode) => {
  beforeAll(async () => {
    fake = await new FakeDiscord().start();
    prefix = freshPrefix();
    const env = bardEnv(fake, prefix, {
      COOLDOWN_USER_JOBS: '5',
      COOLDOWN_USER_SECONDS: '60',
      COOLDOWN_CHANNEL_JOBS: '1000',
      ROUND_MIN_SECONDS: '1',
    });
    // Register the commands first, so the fake types injected options as Discord would.
    const deploy = spawnBard('deploy', env);
    expect(await deploy.exited, deploy.err.join('\n')).toBe(0);
    expect(deploy.out.join('\n')).toMatch(/Registered 6 commands in server/);
    worker = spawnBard('worker', env);
    model ??= loadSnapshot(REFERENCE_SNAPSHOT);
    carol = fake.addUser('carol');
    dave = fake.addUser('dave');
    [front] = await Promise.all([startFrontDoor(mode, fake, env), worker.waitForLine(/"worker ready"/, 30_000)]);
  }, 60_000);

  afterAll(async () => {
    const codes = await shutDown(fake, prefix, [front, worker]);
    // Graceful shutdown: both exit 0 on SIGTERM.
    expect(codes).toEqual([0, 0]);
    // An HTTP endpoint never answered both in its response and by the callback route.
    expect(fake.deliveryViolations).toEqual([]);
  }, 30_000);

  let first: { id: string; message: StoredMessage; prompt: string; continuation: string };

  it('/bard: deferred within 3 s, then the reply: prompt escaped and marked, a continuation of the asked length, no pings', async () => {
    const prompt = 'ROMEO: <@' + fake.users.bob.id + '> @everyone **bold**';
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt, temp: 0.5, length: 200 }, user: fake.users.alice });
    const [m, ...more] = await answered(ix.id);
    expectDeferredInTime(ix.id);
    // The first reply came the way this front door gives it: the HTTP response itself, or a callback request.
    const firstReply = fake.requestsFor(ix.id).filter((r) => r.route === 'interactionResponse' || r.route === 'interactionCallback');
    expect(firstReply.map((r) => [r.route, r.body?.type])).toEqual([[mode === 'http' ? 'interactionResponse' : 'interactionCallback', 5]]);
    expect(more).toEqual([]);
    const parsed = parseCompletion(m.content)!;
    expect(parsed.header).toBe(`<@${fake.users.alice.id}> · temperature 0.5`);
    expect(parsed.prompt).toBe(prompt);
    expect([...parsed.continuation]).toHaveLength(200);
    const dropped = model.encode(prompt).dropped.length; // digits, '<', '@', '*' are not in this model's vocabulary
    expect(dropped).toBeGreaterThan(0);
    expect(parsed.footer).toMatch(new RegExp(`^-# temperature 0\\.5 · 200 characters · seed \\d+ · model char-rnn-snapshot · ${dropped} characters of the prompt unknown to the model, skipped$`));
    // The very text the model makes for that seed, line breaks and all.
    expect(parsed.continuation).toBe(complete(model, { prompt, temp: 0.5, length: 200, seed: seedOf(parsed.footer) }).continuation);
    expectSafe(ix.id);
    first = { id: ix.id, message: m, prompt, continuation: parsed.continuation };
  });

  it('a long prompt and 1500 characters: split on line boundaries into follow-ups of ≤ 2000, buttons on the last', async () => {
    const prompt = `${'KING HENRY: Once more unto the breach, dear friends, once more; '.repeat(15)}`.slice(0, 1000);
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt, temp: 0.8, length: 1500 }, user: carol });
    const ms = await fake.waitUntil(() => {
      const all = fake.messagesFor(ix.id);
      return all.length >= 2 && all.every((m) => !m.loading) && all.at(-1)!.components.length > 0 ? all : null;
    }, 20_000);
    expectDeferredInTime(ix.id);
    expectSafe(ix.id);
    for (const m of ms) expect([...m.content].length).toBeLessThanOrEqual(2000);
    expect(ms.slice(0, -1).every((m) => m.components.length === 0)).toBe(true);
    const all = ms.map((m) => m.content).join('\n');
    const seed = seedOf(all.slice(all.lastIndexOf('\n-# ')));
    const expected = complete(model, { prompt, temp: 0.8, length: 1500, seed }).continuation;
    expect(expected.split('\n').length).toBeGreaterThan(5);
    const unescaped = all.replace(/\\([\\*_~`|<>[\]@#\-+.])/g, '$1');
    for (const line of expected.split('\n').filter((l) => l.length > 0 && l.length < 500)) expect(unescaped).toContain(line);
  });

  it('each button, pressed by someone else: a new job whose result says who pressed and at which temperature', async () => {
    const bob = fake.users.bob;
    const press = async (action: string) => {
      const ix = fake.injectButton({ customId: buttonId(first.message, action), messageId: first.message.id, user: bob });
      const [m] = await answered(ix.id);
      expectDeferredInTime(ix.id);
      expectSafe(ix.id);
      return { m, parsed: parseCompletion(m.content)! };
    };
    const again = await press('again');
    expect(again.parsed.header).toBe(`<@${bob.id}> pressed **Again** on <@${fake.users.alice.id}>'s prompt · temperature 0.5`);
    expect(again.parsed.prompt).toBe(first.prompt);
    expect([...again.parsed.continuation]).toHaveLength(200);
    expect(again.parsed.continuation).not.toBe(first.continuation);

    const cooler = await press('cooler');
    expect(cooler.parsed.header).toMatch(/pressed \*\*Cooler\*\* .* temperature 0\.3333$/);
    expect(cooler.parsed.footer).toMatch(/temperature 0\.3333 · 200 characters/);

    const hotter = await press('hotter');
    expect(hotter.parsed.header).toMatch(/pressed \*\*Hotter\*\* .* temperature 0\.75$/);

    // Continue extends the text from where it stopped: the model primed on prompt + text so far.
    const cont = await press('continue');
    expect(cont.parsed.header).toMatch(/pressed \*\*Continue\*\* .* temperature 0\.5$/);
    const seed = seedOf(cont.parsed.footer);
    expect(cont.parsed.continuation).toBe(complete(model, { prompt: first.prompt + first.continuation, temp: 0.5, length: 200, seed }).continuation);
    expect(cont.parsed.prompt.endsWith(first.continuation.slice(-40))).toBe(true);

    // Hotter on a hot result clamps at 5, with a note.
    let m = hotter.m;
    for (let i = 0; i < 6; i++) m = (await pressOn(m, 'hotter', fake.addUser(`fan${i}`))).m;
    expect(m.content.split('\n')[0]).toMatch(/temperature 5 \(clamped: 5 is the hottest Bard goes\)$/);
  });

  async function pressOn(message: StoredMessage, action: string, user: FakeUser) {
    const ix = fake.injectButton({ customId: buttonId(message, action), messageId: message.id, user });
    const [m] = await answered(ix.id);
    return { m };
  }

  it('/bard-round: hidden temperatures, one changeable vote per member, and the timed reveal', async () => {
    const owner = fake.users.owner;
    const ix = fake.injectSlashCommand({ name: 'bard-round', options: { prompt: 'KING:', temps: '0.3 1.5 3', seconds: 2 }, user: owner });
    const [m] = await answered(ix.id);
    expectDeferredInTime(ix.id);
    expect(m.content).toMatch(/started a round/);
    expect(m.content).toMatch(/\*\*A\*\*\n[\s\S]+\*\*B\*\*\n[\s\S]+\*\*C\*\*\n/);
    expect(m.content).not.toMatch(/temperature \d/);
    const votes: string[] = m.components[0].components.map((b: { custom_id: string }) => b.custom_id);
    expect(votes.map((v) => v.slice(-1))).toEqual(['A', 'B', 'C']);

    const vote = async (user: FakeUser, label: string) => {
      const v = fake.injectButton({ customId: votes.find((c) => c.endsWith(`:${label}`))!, messageId: m.id, user });
      const reply = await fake.waitUntil(() => fake.messagesFor(v.id)[0], 5000);
      const state = fake.interaction(v.id)!;
      expect(state.ack).toBe('reply');
      expect(state.ephemeral).toBe(true);
      return reply.content;
    };
    expect(await vote(fake.users.alice, 'A')).toMatch(/^You voted for \*\*A\*\*\./);
    expect(await vote(fake.users.bob, 'B')).toMatch(/^You voted for \*\*B\*\*/);
    expect(await vote(carol, 'B')).toMatch(/^You voted for \*\*B\*\*/);
    expect(await vote(fake.users.alice, 'B')).toMatch(/^You voted for \*\*B\*\* \(instead of A\)/);

    const revealed = await fake.waitUntil(() => {
      const cur = fake.message(m.id)!;
      return cur.content.includes('round is over') ? cur : null;
    }, 15_000);
    expect(revealed.content).toMatch(/The winner is \*\*B\*\* \(temperature (0\.3|1\.5|3)\) with 3 of 3 votes\./);
    const temps = [...revealed.content.matchAll(/\*\*([A-C])\*\* · temperature ([\d.]+) · (\d+) votes?/g)].map((x) => [x[1], Number(x[2]), Number(x[3])]);
    expect(temps.map((t) => t[0])).toEqual(['A', 'B', 'C']);
    expect(temps.map((t) => t[1]).sort()).toEqual([0.3, 1.5, 3]);
    expect(temps.map((t) => t[2])).toEqual([0, 3, 0]);
    expect(revealed.components).toEqual([]);
    expect(fake.pings(revealed)).toEqual({ users: [], roles: [], everyone: false });

    // Too late now.
    const late = fake.injectButton({ customId: votes[0], messageId: m.id, user: dave });
    expect((await fake.waitUntil(() => fake.messagesFor(late.id)[0], 5000)).content).toMatch(/closed|over/);
  });

  it('cooldown: past 5 jobs a minute, an ephemeral refusal that says when to retry', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(fake.injectSlashCommand({ name: 'bard', options: { prompt: 'To be', length: 20 }, user: dave }).id);
    await Promise.all(ids.map((id) => answered(id)));
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'To be', length: 20 }, user: dave });
    const [m] = await fake.waitUntil(() => (fake.messagesFor(ix.id).length ? fake.messagesFor(ix.id) : null), 5000);
    const state = fake.interaction(ix.id)!;
    expect(state.ack).toBe('reply');
    expect(state.ephemeral).toBe(true);
    expect(state.ackAt! - state.createdAt).toBeLessThan(3000);
    expect(m.content).toMatch(/try again <t:\d+:R> \(in \d+ s\)/);
  });

  it('/bard-config: refused without Manage Channels; with it, the channel defaults apply to the next /bard', async () => {
    const refused = fake.injectSlashCommand({ name: 'bard-config', options: { temp: 0.6, length: 40 }, user: fake.users.bob, permissions: DEFAULT_MEMBER_PERMISSIONS });
    const [r] = await fake.waitUntil(() => (fake.messagesFor(refused.id).length ? fake.messagesFor(refused.id) : null), 5000);
    expect(fake.interaction(refused.id)!.ephemeral).toBe(true);
    expect(r.content).toMatch(/Manage Channels/);

    const channelId = fake.channels.general.id;
    const ok = fake.injectSlashCommand({
      name: 'bard-config',
      options: { temp: 0.6, length: 40 },
      user: fake.users.bob,
      permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels,
      channelId,
    });
    const [s] = await fake.waitUntil(() => (fake.messagesFor(ok.id).length ? fake.messagesFor(ok.id) : null), 5000);
    expect(fake.interaction(ok.id)!.ephemeral).toBe(true);
    expect(s.content).toMatch(/^Saved\. .*temperature 0\.6 and length 40/);

    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'HAMLET:' }, user: carol, channelId });
    const [m] = await answered(ix.id);
    const parsed = parseCompletion(m.content)!;
    expect(parsed.footer).toMatch(/^-# temperature 0\.6 · 40 characters/);
    expect([...parsed.continuation]).toHaveLength(40);
  });

  it('/why-colon goes through the queue and answers with the analysis and its chart', async () => {
    const ix = fake.injectSlashCommand({ name: 'why-colon', user: carol });
    const [m] = await answered(ix.id);
    expectDeferredInTime(ix.id);
    expectSafe(ix.id);
    expect(m.content).toMatch(/colon/i);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'why-colon.png', content_type: 'image/png' });
    expect(m.attachments[0].data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('deploy-commands registered every command, with their bounds, in the guild', () => {
    const registered = fake.commands(fake.guildId);
    expect(registered.map((c) => c.name).sort()).toEqual([...COMMANDS].sort());
    const bard = registered.find((c) => c.name === 'bard')!;
    expect(bard.options).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'prompt', required: true, max_length: 1000 }),
        expect.objectContaining({ name: 'temp', min_value: 0.05, max_value: 5 }),
        expect.objectContaining({ name: 'length', min_value: 20, max_value: 1500 }),
      ]),
    );
  });
});

describe('deploy-commands without a guild', () => {
  it('registers every command globally', async () => {
    const f = await new FakeDiscord().start();
    try {
      const p = spawnBard('deploy', bardEnv(f, freshPrefix(), { DISCORD_GUILD_ID: '' }));
      expect(await p.exited, p.err.join('\n')).toBe(0);
      expect(f.commands().map((c) => c.name).sort()).toEqual([...COMMANDS].sort());
      expect(f.commands(f.guildId)).toEqual([]);
    } finally {
      await f.close();
    }
  });
});
