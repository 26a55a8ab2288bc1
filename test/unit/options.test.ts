import { describe, expect, it } from 'vitest';
import { pairRound, parseBardOptions, parseConfigOptions, parseRoundOptions, parseTemps } from '../../src/bard/options.ts';
import { clampTemp, formatTemp, nextTemp } from '../../src/bard/temperature.ts';
import { roundLength } from '../../src/bard/limits.ts';
import { parseLine, tokenize } from '../../src/play/parse.ts';

describe('/bard options', () => {
  it('takes the channel defaults, then Bard’s, when temp and length are not given', () => {
    expect(parseBardOptions({ prompt: 'ROMEO:' })).toEqual({ ok: true, value: { prompt: 'ROMEO:', temp: 0.8, length: 300 } });
    expect(parseBardOptions({ prompt: 'ROMEO:' }, { temp: 0.4, length: 120 })).toEqual({ ok: true, value: { prompt: 'ROMEO:', temp: 0.4, length: 120 } });
    expect(parseBardOptions({ prompt: 'ROMEO:', temp: 2, length: '50' }, { temp: 0.4 })).toEqual({ ok: true, value: { prompt: 'ROMEO:', temp: 2, length: 50 } });
  });

  it('accepts the bounds and refuses beyond them with a sentence naming the bound', () => {
    expect(parseBardOptions({ prompt: 'x', temp: 0.05, length: 20 }).ok).toBe(true);
    expect(parseBardOptions({ prompt: 'x', temp: 5, length: 1500 }).ok).toBe(true);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prompt: 'x', temp: 0.04 }, /temperature.*0\.05 to 5.*0\.04/],
      [{ prompt: 'x', temp: 5.01 }, /temperature/],
      [{ prompt: 'x', temp: 'hot' }, /temperature/],
      [{ prompt: 'x', length: 19 }, /length.*20 to 1500/],
      [{ prompt: 'x', length: 1501 }, /length/],
      [{ prompt: 'x', length: 20.5 }, /whole number/],
      [{ prompt: '' }, /prompt/],
      [{ prompt: '   \n ' }, /prompt/],
      [{}, /prompt/],
      [{ prompt: 'a'.repeat(1001) }, /at most 1000 characters, yours has 1001/],
    ];
    for (const [raw, re] of cases) {
      const r = parseBardOptions(raw as never);
      expect(r.ok, JSON.stringify(raw)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(re);
    }
  });

  it('counts the prompt in characters, not UTF-16 units (1000 emoji are allowed)', () => {
    expect(parseBardOptions({ prompt: '🎭'.repeat(1000) }).ok).toBe(true);
  });
});

describe('/bard-round options', () => {
  it('reads 2–4 temperatures separated by spaces or commas', () => {
    expect(parseTemps('0.3 0.8 1.5')).toEqual({ ok: true, value: [0.3, 0.8, 1.5] });
    expect(parseTemps(' 0.3, 0.8,1.5 ,5 ')).toEqual({ ok: true, value: [0.3, 0.8, 1.5, 5] });
    expect(parseTemps('0.3').ok).toBe(false);
    expect(parseTemps('0.1 0.2 0.3 0.4 0.5').ok).toBe(false);
    expect(parseTemps('0.3 9').ok).toBe(false);
    expect(parseTemps('0.3 warm').ok).toBe(false);
  });

  it('defaults to 60 seconds and enforces the minimum it is given (15 in production)', () => {
    expect(parseRoundOptions({ prompt: 'KING:', temps: '0.3 1' }, 15)).toEqual({ ok: true, value: { prompt: 'KING:', temps: [0.3, 1], models: null, seconds: 60 } });
    expect(parseRoundOptions({ prompt: 'KING:', temps: '0.3 1', seconds: 14 }, 15).ok).toBe(false);
    expect(parseRoundOptions({ prompt: 'KING:', temps: '0.3 1', seconds: 601 }, 15).ok).toBe(false);
    expect(parseRoundOptions({ prompt: 'KING:', temps: '0.3 1', seconds: 2 }, 1).ok).toBe(true);
  });

  it('a round across models: models alone, with one temperature for all, or one each; anything else is explained', () => {
    expect(parseRoundOptions({ prompt: 'K', models: 'a b' }, 15)).toEqual({ ok: true, value: { prompt: 'K', temps: null, models: ['a', 'b'], seconds: 60 } });
    expect(parseRoundOptions({ prompt: 'K', models: 'a, b', temps: '0.8' }, 15)).toMatchObject({ ok: true, value: { temps: [0.8], models: ['a', 'b'] } });
    expect(parseRoundOptions({ prompt: 'K', temps: '0.8' }, 15).ok).toBe(false);
    expect(parseRoundOptions({ prompt: 'K', models: 'a b c d e' }, 15)).toMatchObject({ ok: false, error: expect.stringMatching(/at most 4 models/) });
    expect(pairRound(null, ['a', 'b'], 0.8, 'x')).toEqual({ ok: true, value: [{ temp: 0.8, model: 'a' }, { temp: 0.8, model: 'b' }] });
    expect(pairRound([0.5, 1], ['a', 'b'], 0.8, 'x')).toEqual({ ok: true, value: [{ temp: 0.5, model: 'a' }, { temp: 1, model: 'b' }] });
    expect(pairRound([0.5, 1, 2], null, 0.8, 'x')).toMatchObject({ ok: true, value: [{ model: 'x' }, { model: 'x' }, { model: 'x' }] });
    expect(pairRound([0.5, 1, 2], ['a', 'b'], 0.8, 'x')).toMatchObject({ ok: false, error: expect.stringMatching(/as many temperatures as models/) });
    expect(pairRound(null, ['a'], 0.8, 'x')).toMatchObject({ ok: false, error: expect.stringMatching(/2 to 4 entries/) });
  });

  it('shortens round entries so that four fit in one message', () => {
    expect(roundLength(300, 2)).toBe(300);
    expect(roundLength(1500, 2)).toBe(400);
    expect(roundLength(1500, 4)).toBe(200);
    expect(roundLength(20, 4)).toBe(20);
  });
});

describe('/bard-config options', () => {
  it('reads temp, length and reset, checking bounds', () => {
    expect(parseConfigOptions({ temp: 0.6, length: 250 })).toEqual({ ok: true, value: { temp: 0.6, length: 250, reset: false } });
    expect(parseConfigOptions({ reset: true })).toEqual({ ok: true, value: { reset: true } });
    expect(parseConfigOptions({ temp: 7 }).ok).toBe(false);
    expect(parseConfigOptions({ length: 5 }).ok).toBe(false);
  });
});

describe('temperature arithmetic', () => {
  it('Cooler divides by 1.5, Hotter multiplies by 1.5, Again and Continue keep it', () => {
    expect(nextTemp(0.9, 'cooler')).toEqual({ temp: 0.6, clamped: null });
    expect(nextTemp(0.6, 'hotter')).toEqual({ temp: 0.9, clamped: null });
    expect(nextTemp(0.8, 'again')).toEqual({ temp: 0.8, clamped: null });
    expect(nextTemp(0.8, 'continue')).toEqual({ temp: 0.8, clamped: null });
    expect(nextTemp(0.8, 'cooler').temp).toBe(0.5333);
  });

  it('clamps to [0.05, 5] and says so', () => {
    expect(nextTemp(4, 'hotter')).toEqual({ temp: 5, clamped: 'max' });
    expect(nextTemp(5, 'hotter')).toEqual({ temp: 5, clamped: 'max' });
    expect(nextTemp(0.07, 'cooler')).toEqual({ temp: 0.05, clamped: 'min' });
    expect(clampTemp(0.05)).toEqual({ temp: 0.05, clamped: null });
  });

  it('does not drift: three Hotter then three Cooler presses come back to the start (within display rounding)', () => {
    let t = 0.8;
    for (let i = 0; i < 3; i++) t = nextTemp(t, 'hotter').temp;
    for (let i = 0; i < 3; i++) t = nextTemp(t, 'cooler').temp;
    expect(Math.abs(t - 0.8)).toBeLessThan(1e-3);
    expect(formatTemp(0.53333333)).toBe('0.5333');
    expect(formatTemp(5)).toBe('5');
  });
});

describe('play input', () => {
  const names = { bard: ['prompt', 'temp', 'length'], 'bard-round': ['prompt', 'temps', 'seconds'], 'why-colon': [] };

  it('reads Discord-style options with quotes and escapes', () => {
    expect(tokenize('bard prompt:"ROMEO: O\\n\\"love\\"" temp:0.5')).toEqual(['bard', 'prompt:ROMEO: O\n"love"', 'temp:0.5']);
    expect(parseLine('/bard prompt:"JULIET:" temp:0.5 length:80', names)).toEqual({ kind: 'command', name: 'bard', options: { prompt: 'JULIET:', temp: '0.5', length: '80' } });
    expect(parseLine('/bard-round prompt:KING: temps:"0.3 0.8 1.5" seconds:20', names)).toEqual({
      kind: 'command',
      name: 'bard-round',
      options: { prompt: 'KING:', temps: '0.3 0.8 1.5', seconds: '20' },
    });
  });

  it('gives free text to the first option, so /bard To be: or not works', () => {
    expect(parseLine('/bard To be: or not temp:1', names)).toEqual({ kind: 'command', name: 'bard', options: { prompt: 'To be: or not', temp: '1' } });
  });

  it('knows the buttons and REPL words, and explains what it does not know', () => {
    expect(parseLine('again', names)).toEqual({ kind: 'press', action: 'again' });
    expect(parseLine('  Hotter ', names)).toEqual({ kind: 'press', action: 'hotter' });
    expect(parseLine('vote b', names)).toEqual({ kind: 'vote', label: 'B', as: null });
    expect(parseLine('vote C as juliet', names)).toEqual({ kind: 'vote', label: 'C', as: 'juliet' });
    expect(parseLine('vote E', names).kind).toBe('error');
    expect(parseLine('reveal', names)).toEqual({ kind: 'reveal' });
    expect(parseLine('quit', names)).toEqual({ kind: 'quit' });
    expect(parseLine('', names)).toEqual({ kind: 'empty' });
    expect(parseLine('/nope', names)).toMatchObject({ kind: 'error', message: expect.stringContaining('/bard') });
    expect(parseLine('/bard prompt:"open', names)).toMatchObject({ kind: 'error' });
    expect(parseLine('/why-colon extra', names)).toMatchObject({ kind: 'error', message: '/why-colon takes no options.' });
  });
});
