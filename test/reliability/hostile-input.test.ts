// Issue 6, item 4: a corpus of hostile and odd prompts (generated below, > 200 of them) goes through
// /bard and /bard-round on the real bot and worker. For every one: no crash anywhere, either a
// continuation or a clear ephemeral error, allowed_mentions empty on every message the fake receives,
// every message ≤ 2000 characters, no request Discord would refuse, and the echoed prompt shown as
// typed: markdown escaped (it cannot change the layout), invisible or broken characters removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_PERMISSIONS, FakeDiscord, Permission, type FakeUser, type Injected, type RawOption } from '../fake-discord/index.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { bardEnv, beforeItsDeferral, expectNoPingsAndShort, freshPrefix, logLines, shutDown, sleep, spawnBard, waitReady, type Proc } from './harness.ts';

const LENGTH = 20;

// ---------------------------------------------------------------- the corpus

const ID = '123456789012345678';
const MAX = 1000;

const ATOMS = [
  '**', '__', '*', '_', '~~', '||', '`', '```', '\\', '> ', '>>> ', '# ', '## ', '-# ', '- ', '+ ', '1. ', '[x](https://evil.example)',
  '@everyone', '@here', `<@${ID}>`, `<@!${ID}>`, `<@&${ID}>`, `<#${ID}>`, '<t:0:R>', `</bard:${ID}>`, ':skull:',
  'https://example.com/a_b*c', 'discord.gg/bard', 'https://discord.com/invite/abc', '<https://x.example>',
  '👑', '👨‍👩‍👧‍👦', '🇬🇧', '👍🏽', 'שלום', 'مرحبا', '\u202e', '\u202d', '\u2066', '\u2069', '\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u00ad',
  'e\u0301', '\u0336', 'Z\u0351\u0352\u0357\u035b', '\u0000', '\u0007', '\u001b[31m', '\r\n', '\r', '\t', '\u0085', '\u2028', '\u2029', '\u007f',
  '\ud800', '\udfff', '\ude00\ud83d', 'ROMEO:', 'JULIET:', ' ', '\n',
];

function corpus(): { name: string; prompt: string }[] {
  const c: { name: string; prompt: string }[] = [];
  const add = (name: string, prompt: string) => c.push({ name, prompt });
  // Empty and whitespace only.
  for (const [n, p] of Object.entries({ empty: '', space: ' ', spaces: '     ', tab: '\t', newlines: '\n\n\n', crlf: '\r\n', nbsp: '\u00a0', ideographic: '\u3000', mixed: ' \t\n\u00a0 ' })) add(`whitespace ${n}`, p);
  // The maximum length and beyond (in code points, as Discord counts).
  add('max ascii', 'a'.repeat(MAX));
  add('max words', 'To be, or not to be: '.repeat(60).slice(0, MAX));
  add('max emoji', '👑'.repeat(MAX));
  add('max stars', '*'.repeat(MAX));
  add('max backticks', '`'.repeat(MAX));
  add('max backslashes', '\\'.repeat(MAX));
  add('max mentions', '@everyone '.repeat(100));
  add('max lines', 'ROMEO:\n'.repeat(142).slice(0, MAX));
  add('max combining', 'e' + '\u0301'.repeat(MAX - 1));
  add('max NUL', '\u0000'.repeat(MAX));
  add('one over', 'a'.repeat(MAX + 1));
  add('emoji one over', '👑'.repeat(MAX + 1));
  add('far over', 'b'.repeat(5000));
  add('far over markdown', '**@everyone**'.repeat(500));
  // Each atom alone, after a normal prompt, and around one.
  ATOMS.forEach((a, i) => {
    add(`atom ${i}`, a);
    add(`after ${i}`, `ROMEO: ${a}`);
    add(`wrapped ${i}`, `${a}KING${a}`);
  });
  // Specific shapes.
  add('code fence', '```js\nalert("@everyone")\n```');
  add('open fence', '```\nROMEO: never closed');
  add('inline code mention', `\`<@${ID}>\``);
  add('zalgo', 'ROMEO'.split('').map((ch) => ch + '\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307'.repeat(4)).join(''));
  add('rtl override', 'ROMEO: \u202eevil.exe\u202c done');
  add('rtl isolate', 'x\u2067عربي\u2069y');
  add('fullwidth at', '＠everyone ＠here');
  add('zw everyone', '@\u200beveryone @\u200dhere');
  add('escaped mention', `\\<@${ID}>`);
  add('heading lines', '# A\n## B\n### C\n-# D');
  add('lists', '- a\n+ b\n* c\n1. d\n2) e');
  add('quote block', '>>> everything after\nis quoted');
  add('masked link', '[free nitro](https://discord.gift/xyz "title")');
  add('spoiler', '||secret|| ||unterminated');
  add('timestamp', '<t:1700000000:F>');
  add('emoji custom', '<:bard:123456789012345678> <a:dance:123456789012345678>');
  add('ansi', '\u001b[2J\u001b[31mred\u001b[0m');
  add('surrogate pair split', 'a\ud83d');
  add('only controls', '\u0001\u0002\u0003\u0004');
  add('bell and nul', 'ROMEO:\u0007\u0000');
  add('html', '<script>alert(1)</script><b>x</b>');
  add('json', '{"content":"@everyone","allowed_mentions":{"parse":["everyone"]}}');
  add('percent', '%s %d %n %x ${process.env.DISCORD_TOKEN}');
  // Random mixtures of the atoms, short and long.
  const rng = new Rng(2024);
  for (let i = 0; i < 60; i++) {
    const n = 1 + Math.floor(rng.next() * (i < 40 ? 12 : 300));
    let s = '';
    for (let k = 0; k < n; k++) s += ATOMS[Math.floor(rng.next() * ATOMS.length)];
    add(`mix ${i}`, s);
  }
  return c;
}

/** What the reader should see of a prompt: line breaks kept, controls, bidi overrides and broken surrogates gone. */
function visible(prompt: string): string {
  return prompt
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const MARKDOWN = new Set('\\*_~`|<>[]@#');

/** True when every markdown character of `raw` is escaped with a backslash, and no line starts a list. */
function fullyEscaped(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') {
      i++;
      continue;
    }
    if (MARKDOWN.has(raw[i])) return false;
  }
  return !/^\s*([-+]|\d+\.)\s/m.test(raw);
}

/** The bold prompt section of a /bard reply, raw (still escaped), or '' when the reply has none. */
function boldPrompt(content: string): string | null {
  const start = content.indexOf('\n**');
  const foot = content.lastIndexOf('\n-# ');
  if (foot < 0) return null;
  if (start < 0 || start > foot) return '';
  for (let i = start + 3; i < foot; i++) {
    if (content[i] === '\\') {
      i++;
      continue;
    }
    if (content.startsWith('**', i)) return content.slice(start + 3, i);
  }
  return null;
}

const unescape = (s: string) => s.replace(/\\([\\*_~`|<>[\]@#\-+.])/g, '$1');

const CLEAR_ERRORS = [/^Give me a prompt to continue/, /^The prompt is too long: at most 1000 characters/, /^Give 2 to 4 temperatures/, /^The temperature must be/, /^The length must be/, /^A round lasts/];

// ---------------------------------------------------------------- the run

let fake: FakeDiscord;
let prefix: string;
let bot: Proc;
let worker: Proc;
let mallory: FakeUser;

beforeAll(async () => {
  fake = await new FakeDiscord().start();
  prefix = freshPrefix();
  // No cooldowns in the way of a corpus; rounds that close after a second.
  const env = bardEnv(fake, prefix, { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0', ROUND_MIN_SECONDS: '1', WORKER_CONCURRENCY: '4' });
  bot = spawnBard('bot', env);
  worker = spawnBard('worker', env);
  mallory = fake.addUser('**@everyone** <@&1> `x`');
  await waitReady(fake, bot, [worker]);
}, 60_000);

afterAll(async () => {
  const codes = await shutDown(fake, prefix, [bot, worker]);
  expect(codes).toEqual([0, 0]);
}, 30_000);

/** Injects in batches (Discord's 3 s to answer applies to each), waiting for every answer of a batch. */
async function run(inject: (i: number) => Injected, n: number, batch = 10): Promise<Injected[]> {
  const all: Injected[] = [];
  for (let i = 0; i < n; i += batch) {
    const ixs = Array.from({ length: Math.min(batch, n - i) }, (_, k) => inject(i + k));
    all.push(...ixs);
    await fake.waitUntil(
      () => ixs.every((ix) => fake.messagesFor(ix.id).length > 0 && fake.messagesFor(ix.id).every((m) => !m.loading)) || null,
      30_000,
      `answers to batch ${i / batch}`,
    );
  }
  return all;
}

function expectAnsweredInTime(ix: Injected) {
  const s = fake.interaction(ix.id)!;
  expect(s.ack === 'defer' || (s.ack === 'reply' && s.ephemeral), `ack ${s.ack}`).toBe(true);
  expect(s.ackAt! - s.createdAt).toBeLessThan(3000);
}

function expectClearError(ix: Injected, what: string) {
  const s = fake.interaction(ix.id)!;
  expect(s.ack, what).toBe('reply');
  expect(s.ephemeral, what).toBe(true);
  const text = fake.messagesFor(ix.id)[0].content;
  expect(CLEAR_ERRORS.some((re) => re.test(text)), `${what}: ${text}`).toBe(true);
}

describe('hostile and odd input', () => {
  const prompts = corpus();

  it(`a corpus of ${prompts.length} prompts, generated in this file`, () => {
    expect(prompts.length).toBeGreaterThanOrEqual(200);
    expect(new Set(prompts.map((p) => p.name)).size).toBe(prompts.length);
  });

  it('/bard: a continuation with the prompt shown escaped, or a clear ephemeral error, for every prompt', async () => {
    const ixs = await run(
      (i) => fake.injectSlashCommand({ name: 'bard', options: [{ name: 'prompt', type: 3, value: prompts[i].prompt }, { name: 'length', type: 4, value: LENGTH }], user: i % 7 === 0 ? mallory : fake.users.alice }),
      prompts.length,
    );
    let continued = 0;
    for (let i = 0; i < ixs.length; i++) {
      const { name, prompt } = prompts[i];
      const ix = ixs[i];
      expectAnsweredInTime(ix);
      const codePoints = [...prompt].length;
      if (prompt.trim() === '' || codePoints > MAX) {
        expectClearError(ix, name);
        continue;
      }
      const [m, ...more] = fake.messagesFor(ix.id);
      expect(fake.interaction(ix.id)!.ack, name).toBe('defer');
      expect(more, name).toEqual([]);
      expect(m.content, name).toMatch(new RegExp(`\\n-# temperature 0\\.8 · ${LENGTH} characters · seed \\d+ · model `));
      const raw = boldPrompt(m.content);
      expect(raw, `${name}: ${JSON.stringify(m.content.slice(0, 200))}`).not.toBeNull();
      expect(fullyEscaped(raw!), `${name}: ${JSON.stringify(raw)}`).toBe(true);
      const shown = unescape(raw!);
      const want = visible(prompt);
      if (shown.startsWith('…')) expect(want.endsWith(shown.slice(1)), name).toBe(true);
      else expect(shown, name).toBe(want);
      continued++;
    }
    expect(continued).toBeGreaterThan(prompts.length * 0.8);
  }, 240_000);

  it('/bard-round: the same for a share of the corpus (with hostile temperature lists), and every reveal', async () => {
    // Short rounds: this channel's default length is the shortest.
    const channelId = fake.channels.general.id;
    const cfg = fake.injectSlashCommand({ name: 'bard-config', options: { length: LENGTH }, user: fake.users.owner, permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels, channelId });
    await fake.waitUntil(() => fake.messagesFor(cfg.id)[0], 5000, 'the config answer');
    expect(fake.messagesFor(cfg.id)[0].content).toMatch(/^Saved\./);

    const temps = ['0.5 1.5', '0.3 0.8 1.5 3', '0.5', '0.1 0.2 0.3 0.4 0.5', 'NaN 1', '1e400 1', '-1 2', '0x1 2', 'Infinity 1', '', '  0.3\t0.8  ', '0.5,,1.5;2', '@everyone 1', '5 0.05', '0.049 1'];
    const picked = prompts.filter((_, i) => i % 5 === 0);
    const n = picked.length;
    const ixs = await run((i) => {
      const options: RawOption[] = [
        { name: 'prompt', type: 3, value: picked[i].prompt },
        { name: 'temps', type: 3, value: temps[i % temps.length] },
        { name: 'seconds', type: 4, value: 1 },
      ];
      return fake.injectSlashCommand({ name: 'bard-round', options, channelId, user: i % 3 === 0 ? mallory : fake.users.bob });
    }, n);
    const rounds: { ix: Injected; messageId: string; name: string }[] = [];
    for (let i = 0; i < n; i++) {
      const ix = ixs[i];
      const name = `${picked[i].name} / temps ${JSON.stringify(temps[i % temps.length])}`;
      expectAnsweredInTime(ix);
      if (fake.interaction(ix.id)!.ack === 'reply') {
        expectClearError(ix, name);
        continue;
      }
      const [m] = fake.messagesFor(ix.id);
      expect(m.content, name).toMatch(/started a round: which continuation is best\?/);
      expect(m.components[0].components.length, name).toBeGreaterThanOrEqual(2);
      rounds.push({ ix, messageId: m.id, name });
    }
    expect(rounds.length).toBeGreaterThan(n / 3);
    // Every round is revealed (one second after it was posted), the prompt still escaped.
    await fake.waitUntil(() => rounds.every((r) => fake.message(r.messageId)!.content.includes('round is over')) || null, 60_000, 'every reveal');
    for (const r of rounds) {
      const content = fake.message(r.messageId)!.content;
      expect(content, r.name).toMatch(/Nobody voted\./);
      const raw = /\n\*\*((?:\\.|[^\\])*?)\*\*\n/.exec(content)?.[1] ?? '';
      expect(fullyEscaped(raw), `${r.name}: ${JSON.stringify(raw)}`).toBe(true);
    }
  }, 240_000);

  it('odd option values: clear ephemeral errors, no job', async () => {
    const cases: RawOption[][] = [
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'length', type: 4, value: 20.5 }],
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'length', type: 4, value: 1e9 }],
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'length', type: 4, value: -5 }],
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'temp', type: 10, value: 1e308 }],
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'temp', type: 10, value: 0 }],
      [{ name: 'prompt', type: 3, value: 'ROMEO:' }, { name: 'temp', type: 10, value: -0.5 }],
    ];
    const ixs = await run((i) => fake.injectSlashCommand({ name: 'bard', options: cases[i] }), cases.length);
    ixs.forEach((ix, i) => expectClearError(ix, JSON.stringify(cases[i])));
  });

  it('no crash, no error logged, and nothing Discord would refuse or that could ping', async () => {
    await sleep(500);
    expect([bot.child.exitCode, worker.child.exitCode]).toEqual([null, null]);
    const errors = [...logLines(bot), ...logLines(worker)].filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
    expect(bot.err.concat(worker.err).filter((l) => l.trim() !== '')).toEqual([]);
    const refused = fake.requests.filter((r) => (r.status >= 400 || r.status === 0) && !beforeItsDeferral(fake, r));
    expect(refused.map((r) => `${r.method} ${r.route} ${r.status} ${JSON.stringify(r.response)}`)).toEqual([]);
    expect(expectNoPingsAndShort(fake)).toBeGreaterThan(250);
  });
});
