import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { textLoss } from '../../src/cli/loss.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { lossFun } from '../../src/rnn/loss.ts';
import { scoreSequence } from '../../src/rnn/score.ts';
import { prime } from '../../src/rnn/forward.ts';
import { startState } from '../../src/rnn/start.ts';
import { csc321, GOLDEN_JSON, readText, TRAIN_TEXT } from './reference.ts';

const model = csc321();
const p = model.params;
const train = readText(TRAIN_TEXT);

describe('scoreSequence (the loss command\'s fast float64 path)', () => {
  it('equals min-char-rnn\'s lossFun on the same window, and ends in the same state', () => {
    const ixs = model.encode(train.slice(5000, 5300)).ixs;
    const h0 = startState(model, 'warm');
    const fast = scoreSequence(p, ixs, h0);
    const ref = lossFun(p, ixs.slice(0, -1), ixs.slice(1), h0);
    expect(fast.count).toBe(299);
    expect(fast.nats).toBeCloseTo(ref.loss, 9);
    expect(fast.h).toEqual(ref.h);
    expect(fast.h).toEqual(prime(p, ixs.slice(0, -1), h0));
  });

  it('scores nothing for fewer than two characters', () => {
    expect(scoreSequence(p, [3], new Float64Array(p.H)).count).toBe(0);
    expect(scoreSequence(p, [], new Float64Array(p.H)).nats).toBe(0);
  });
});

describe('textLoss (bard loss)', () => {
  it('reproduces numpy\'s loss over the first 1000 characters from h = 0 (--from 0 --to 1001)', () => {
    const golden = JSON.parse(readFileSync(GOLDEN_JSON, 'utf8')) as { loss_first1000_sum_nats: number };
    const r = textLoss(model, train, 0, 1001, 'zero');
    expect(r.chars).toBe(1000);
    expect(r.skipped).toBe(0);
    expect(r.nats_per_char * 1000).toBeCloseTo(golden.loss_first1000_sum_nats, 6);
    expect(r.bits_per_char).toBeCloseTo(r.nats_per_char / Math.LN2, 12);
  });

  it('skips characters outside the vocabulary: neither input nor target, the state carries over', () => {
    const clean = train.slice(0, 501);
    const dirty = clean.slice(0, 100) + '$3$' + clean.slice(100, 300) + '\u00e9' + clean.slice(300);
    const a = textLoss(model, clean, 0, undefined, 'warm');
    const b = textLoss(model, dirty, 0, undefined, 'warm');
    expect(b.skipped).toBe(4);
    expect(b.chars).toBe(a.chars);
    expect(b.nats_per_char).toBe(a.nats_per_char);
    // Not normalised: 'é' is skipped, not scored as 'e'.
    expect(textLoss(model, 'the caf\u00e9 is', 0, undefined, 'warm').skipped).toBe(1);
  });

  it('counts indices in code points, so astral characters do not split', () => {
    const r = textLoss(model, 'ab🙂cd', 0, 5, 'warm'); // a b 🙂 c d
    expect(r).toMatchObject({ chars: 3, skipped: 1 });
  });

  it('rejects empty or out-of-range windows as usage errors', () => {
    expect(() => textLoss(model, 'hello', 3, 3, 'warm')).toThrow(UsageError);
    expect(() => textLoss(model, 'hello', 0, 6, 'warm')).toThrow(/past the end/);
    expect(() => textLoss(model, 'h$$$', 0, undefined, 'warm')).toThrow(/at least 2/);
  });
});
