import { describe, expect, it } from 'vitest';
import { parseButtonId, pressId, voteId } from '../../src/bard/custom-ids.ts';
import type { CompletionReply, RoundReply, RoundResultReply } from '../../src/bard/replies.ts';
import { cleanText, escapeMarkdown, unescapeMarkdown } from '../../src/format/escape.ts';
import { renderDiscord } from '../../src/format/discord.ts';
import { keepHead, keepTail, splitMessage } from '../../src/format/split.ts';

const alice = { id: '111111111111111111', name: 'alice' };
const bob = { id: '222222222222222222', name: 'bob' };

function completion(over: Partial<CompletionReply> = {}): CompletionReply {
  return {
    kind: 'completion',
    author: alice,
    prompt: 'ROMEO:',
    continuation: '\nBut soft, what light through yonder window breaks?\nIt is the east.',
    temp: 0.5,
    length: 66,
    seed: 42,
    model: 'bard-h250',
    ref: '1234567890123456789',
    dropped: 0,
    ...over,
  };
}

/** Markdown the reader would see as formatting rather than text (outside our own bold marks). */
function hasLiveMarkdown(s: string): boolean {
  const stripped = s.replace(/\\[\\*_~`|<>[\]@#\-+.]/g, '');
  return /[*_~`|]|<@|@everyone|@here|^\s*>|^#|\[.*\]\(/m.test(stripped);
}

describe('escapeMarkdown', () => {
  it('makes markdown, mentions, quotes, headings and lists literal', () => {
    const hostile = '**bold** _it_ ~~s~~ `code` ||spoiler|| <@123> <@&456> <#789> @everyone @here\n> quote\n# Heading\n- item\n1. first\n[link](http://x)';
    const e = escapeMarkdown(hostile);
    expect(hasLiveMarkdown(e)).toBe(false);
    expect(unescapeMarkdown(e)).toBe(hostile);
  });

  it('leaves ordinary Shakespeare alone', () => {
    const text = "ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun!";
    expect(escapeMarkdown(text)).toBe(text);
  });

  it('drops control characters and NUL, keeps newlines, repairs lone surrogates', () => {
    expect(cleanText('a\u0000b\u0007c\nd\te\ud800f')).toBe('abc\nd e\ufffdf');
  });
});

describe('splitMessage', () => {
  it('returns short text as it is', () => {
    expect(splitMessage('hello\nworld', 2000)).toEqual(['hello\nworld']);
  });

  it('cuts on line boundaries, every piece within the limit, no text lost', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${i}: ${'x'.repeat(i % 37)}`);
    const text = lines.join('\n');
    const pieces = splitMessage(text, 300);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(300);
    expect(pieces.join('\n')).toBe(text);
    for (const p of pieces) expect(lines).toContain(p.split('\n')[0]);
  });

  it('cuts a long line at a space, and a line without spaces without breaking an escape or a surrogate pair', () => {
    const words = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const p1 = splitMessage(words, 50);
    for (const p of p1) expect(p.length).toBeLessThanOrEqual(50);
    expect(p1.join(' ')).toBe(words);

    const escaped = '\\*'.repeat(60);
    for (const p of splitMessage(escaped, 51)) {
      expect(p.length).toBeLessThanOrEqual(51);
      expect(p.length % 2).toBe(0);
    }
    const emoji = '🎭'.repeat(40);
    const parts = splitMessage(emoji, 51);
    expect(parts.join('')).toBe(emoji);
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    for (const p of parts) expect(p).not.toMatch(lone);
  });

  it('never cuts inside a protected range', () => {
    const text = `head\n**${'a b\n'.repeat(20)}**\n${'tail line\n'.repeat(30)}`;
    const start = text.indexOf('**');
    const end = text.lastIndexOf('**') + 2;
    const pieces = splitMessage(text, 120, [{ start, end }]);
    const first = pieces.find((p) => p.includes('**'))!;
    expect(first.split('**').length).toBe(3);
  });

  it('keepTail and keepHead mark the cut and respect the limit', () => {
    expect(keepTail('abcdefghij', 5)).toBe('…ghij');
    expect(keepHead('abcdefghij', 5)).toBe('abcd…');
    expect(keepTail('short', 10)).toBe('short');
  });
});

describe('custom ids', () => {
  it('round-trips and stays within 100 characters', () => {
    const ref = '1'.repeat(20);
    for (const a of ['again', 'cooler', 'hotter', 'continue'] as const) {
      expect(pressId(a, ref).length).toBeLessThanOrEqual(100);
      expect(parseButtonId(pressId(a, ref))).toEqual({ kind: 'press', action: a, ref });
    }
    expect(parseButtonId(voteId(ref, 'C'))).toEqual({ kind: 'vote', roundId: ref, label: 'C' });
    expect(parseButtonId('bard:explode:1')).toBeNull();
    expect(parseButtonId('round:vote:1:E')).toBeNull();
    expect(parseButtonId('x'.repeat(101))).toBeNull();
  });
});

describe('renderDiscord', () => {
  it('a /bard result: author, bold escaped prompt, continuation with its line breaks, footer, four buttons, no mentions parsed', () => {
    const [m, ...rest] = renderDiscord(completion({ prompt: '**ROMEO** <@999> @everyone:' }));
    expect(rest).toEqual([]);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.content).toContain(`<@${alice.id}>`);
    expect(m.content).toContain('**\\*\\*ROMEO\\*\\* \\<\\@999\\> \\@everyone:**');
    expect(m.content).toContain('\nBut soft, what light through yonder window breaks?\nIt is the east.');
    expect(m.content).toMatch(/-# temperature 0\.5 · 66 characters · seed 42 · model bard-h250$/);
    const buttons = m.components[0].components;
    expect(buttons.map((b) => ('custom_id' in b ? b.custom_id : ''))).toEqual(['again', 'cooler', 'hotter', 'continue'].map((a) => `bard:${a}:1234567890123456789`));
  });

  it('says who pressed which button, whose prompt it was, and when the temperature was clamped', () => {
    const [m] = renderDiscord(completion({ temp: 5, press: { by: bob, action: 'hotter', clamped: 'max' } }));
    expect(m.content.split('\n')[0]).toBe(`<@${bob.id}> pressed **Hotter** on <@${alice.id}>'s prompt · temperature 5 (clamped: 5 is the hottest Bard goes)`);
    const [c] = renderDiscord(completion({ press: { by: alice, action: 'continue', clamped: null, previousTail: 'ROMEO:\nBut soft' } }));
    expect(c.content).toContain('pressed **Continue** on their prompt');
    expect(c.content).toContain('**ROMEO:\nBut soft**');
  });

  it('splits the longest possible reply into follow-ups of ≤ 2000 characters with the buttons on the last', () => {
    const prompt = '*_'.repeat(500); // 1000 characters, each escaped
    const continuation = Array.from({ length: 60 }, (_, i) => `Line ${i} of the play, with words: ${'thee '.repeat(4)}`).join('\n').slice(0, 1500);
    const msgs = renderDiscord(completion({ prompt, continuation, length: 1500 }));
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) {
      expect([...m.content].length).toBeLessThanOrEqual(2000);
      expect(m.allowed_mentions).toEqual({ parse: [] });
    }
    expect(msgs.slice(0, -1).every((m) => m.components.length === 0)).toBe(true);
    expect(msgs.at(-1)!.components[0].components).toHaveLength(4);
    const all = msgs.map((m) => m.content).join('\n');
    expect(all).toContain(continuation.split('\n').at(-1));
  });

  it('a round fits one message even at the worst (4 long entries, long hostile prompt), and the reveal names temperatures, votes and winner', () => {
    const text = '<@1> **x** '.repeat(200).slice(0, 1500);
    const round: RoundReply = {
      kind: 'round',
      id: '5'.repeat(19),
      author: alice,
      prompt: '@everyone '.repeat(100),
      model: 'm',
      length: 1500,
      entries: (['A', 'B', 'C', 'D'] as const).map((label) => ({ label, text })),
      endsAt: 1_700_000_000_000,
    };
    const [m] = renderDiscord(round);
    expect([...m.content].length).toBeLessThanOrEqual(2000);
    // Beyond the header's own mention of the author, only our bold marks (prompt, labels) are live.
    const body = m.content.split('\n').slice(1).join('\n');
    expect(hasLiveMarkdown(body.replace(/\*\*[A-D]\*\*/g, '').replace(/^\*\*|\*\*$/gm, ''))).toBe(false);
    expect(m.content).toContain('<t:1700000000:R>');
    expect(m.content).not.toMatch(/temperature \d/);
    expect(m.components[0].components.map((b) => ('custom_id' in b ? b.custom_id : ''))).toEqual(['A', 'B', 'C', 'D'].map((l) => `round:vote:${round.id}:${l}`));

    const result: RoundResultReply = {
      kind: 'round-result',
      id: round.id,
      author: alice,
      prompt: 'KING:',
      model: 'm',
      length: 200,
      entries: [
        { label: 'A', text: 'one', temp: 0.3, model: 'm', votes: 1 },
        { label: 'B', text: 'two', temp: 1.5, model: 'm', votes: 2 },
      ],
      voters: 3,
      winners: ['B'],
    };
    const [r] = renderDiscord(result);
    expect(r.components).toEqual([]);
    expect(r.content).toContain('The winner is **B** (temperature 1.5) with 2 of 3 votes.');
    expect(r.content).toContain('**A** · temperature 0.3 · 1 vote\none');
    expect(r.content).toContain('**B** · temperature 1.5 · 2 votes 🏆\ntwo');

    // A round across models reveals the model of each entry with its temperature.
    const [across] = renderDiscord({
      ...result,
      entries: [
        { label: 'A', text: 'one', temp: 0.8, model: 'char-rnn-snapshot', votes: 1 },
        { label: 'B', text: 'two', temp: 0.8, model: 'bard-h768', votes: 2 },
      ],
    });
    expect(across.content).toContain('The winner is **B** (bard-h768, temperature 0.8) with 2 of 3 votes.');
    expect(across.content).toContain('**A** · char-rnn-snapshot, temperature 0.8 · 1 vote\none');
  });
});
