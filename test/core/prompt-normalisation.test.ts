import { describe, expect, it } from 'vitest';
import { complete, nextProbs } from '../../src/rnn/generate.ts';
import { prime } from '../../src/rnn/forward.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { startState } from '../../src/rnn/start.ts';
import { normaliseText } from '../../src/rnn/vocab.ts';
import { csc321 } from './reference.ts';

// The documented mapping (src/rnn/vocab.ts), checked against the CSC321 vocabulary, which has no
// '"', no 'X', no digits and no tab.
const model = csc321();

describe('prompt normalisation', () => {
  it.each([
    ['accents are stripped (NFKD, combining marks removed)', 'Café naïve', 'Cafe naive', []],
    ['CRLF and lone CR become LF', 'a\r\nb\rc', 'a\nb\nc', []],
    ['curly single quotes, dashes and the ellipsis become ASCII', '‘the’ raven — yes…', "'the' raven - yes...", []],
    ['curly double quotes become ", dropped when the vocabulary lacks it', '“Quoth”', 'Quoth', ['"', '"']],
    ['emoji are dropped and reported', 'Hi 🙂 there', 'Hi  there', ['🙂']],
    ['an emoji ZWJ sequence drops every part', '👨‍👩‍👧', '', ['👨', '\u200d', '👩', '\u200d', '👧']],
    ['control characters and NUL are dropped', 'a\u0000b\u0007c\u001b', 'abc', ['\u0000', '\u0007', '\u001b']],
    ['lone surrogates become U+FFFD and are dropped', 'x\ud800y\udc00z', 'xyz', ['\ufffd', '\ufffd']],
    ['zero-width characters are dropped', 'zero\u200bwidth\u200c\ufeff', 'zerowidth', ['\u200b', '\u200c', '\ufeff']],
    ['compatibility forms decompose (ligature, fullwidth, dotted I)', 'ﬁne Ａ İ', 'fine A I', []],
    ['a letter whose case is missing swaps case (no X in this vocabulary)', 'MAX', 'MAx', []],
    ['tabs become spaces', 'a\tb', 'a b', []],
    ['a lone combining mark disappears', '\u0301', '', []],
  ])('%s', (_what, raw, text, dropped) => {
    const enc = model.encode(raw);
    expect(enc.text).toBe(text);
    expect(enc.dropped).toEqual(dropped);
    expect(model.decode(enc.ixs)).toBe(enc.text);
  });

  it('normaliseText alone maps CRLF, quotes and accents without a vocabulary', () => {
    expect(normaliseText('“É”\r\n')).toBe('"E"\n');
  });

  it('never throws and never yields NaN on hostile prompts, and reports what it dropped', () => {
    const hostile = ['🙂🙂🙂', '\u0000'.repeat(50), '\ud800\ud800\udfff', '\u200b\u200d\ufeff', 'ROMEO:\r\n“Hark” 🗡️ café', 'ß∑∂ƒ©'];
    for (const prompt of hostile) {
      const r = complete(model, { prompt, temp: 1, length: 50, seed: 3 });
      expect(r.continuation).toHaveLength(50);
      expect(r.h.every(Number.isFinite)).toBe(true);
      const { probs, dropped } = nextProbs(model, prompt);
      expect(probs.every(Number.isFinite)).toBe(true);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(dropped).toEqual(r.dropped);
    }
    expect(complete(model, { prompt: '🙂', length: 0, seed: 1 }).dropped).toEqual(['🙂']);
  });

  it('survives random UTF-16 garbage: every index is in range and the text decodes back', () => {
    const rng = new Rng(99);
    for (let n = 0; n < 200; n++) {
      let raw = '';
      const len = Math.floor(rng.next() * 40);
      for (let i = 0; i < len; i++) raw += String.fromCharCode(Math.floor(rng.next() * 0x10000));
      const enc = model.encode(raw);
      expect(enc.ixs.every((ix) => Number.isInteger(ix) && ix >= 0 && ix < model.V)).toBe(true);
      expect(model.decode(enc.ixs)).toBe(enc.text);
    }
  });

  it('an empty prompt (after normalisation) starts from the start state', () => {
    const h0 = startState(model, 'warm');
    const empty = complete(model, { prompt: '', temp: 1, length: 80, seed: 21 });
    const allDropped = complete(model, { prompt: '🙂\u0000', temp: 1, length: 80, seed: 21 });
    expect(empty.prompt).toBe('');
    expect(allDropped.prompt).toBe('');
    expect(allDropped.continuation).toBe(empty.continuation);
    // …and that continuation is what the model samples from the start state itself.
    expect(complete(model, { prompt: '', length: 0, seed: 21 }).h).toEqual(h0);
    expect(empty.h).toEqual(prime(model.params, model.encode(empty.continuation).ixs, h0));
    expect(nextProbs(model, '').probs).toEqual(nextProbs(model, '\u200b').probs);
  });
});
