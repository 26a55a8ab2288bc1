import { describe, expect, it } from 'vitest';
import { scoreSequenceFast } from '../../src/kernels/fast-score.ts';
import { scoreSequence } from '../../src/rnn/score.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { randomParams } from './helpers.ts';

describe('scoreSequenceFast (the float32 validation checks during training)', () => {
  it('gives the float64 scorer\'s loss within 1e-5 nats/char over a long text, from the same start state', () => {
    const H = 96;
    const V = 30;
    // Weights small enough for the recurrence to forget (as a trained model's does: on the shipped model the two
    // scorers agree to 2e-8 over the validation text); with large random weights it is chaotic, and float32 and
    // float64 states drift apart whatever the arithmetic.
    const p = randomParams(H, V, 7, 0.06);
    const rng = new Rng(3);
    // A text with structure (repeated words), so the loss is well below the uniform log V.
    const words = Array.from({ length: 12 }, () => Array.from({ length: 2 + Math.floor(rng.next() * 6) }, () => Math.floor(rng.next() * V)));
    const ixs: number[] = [];
    while (ixs.length < 5000) ixs.push(...words[Math.floor(rng.next() * words.length)]);
    const h0 = Float64Array.from({ length: H }, () => rng.normal() * 0.3);

    const exact = scoreSequence(p, ixs, h0);
    const fast = scoreSequenceFast(p, ixs, h0)!;
    expect(fast.count).toBe(exact.count);
    expect(fast.count).toBe(ixs.length - 1);
    const perChar = exact.nats / exact.count;
    expect(perChar).toBeGreaterThan(0.5);
    expect(Math.abs(fast.nats / fast.count - perChar)).toBeLessThan(1e-5);
    // a different start state changes the answer: h0 is really read
    const other = scoreSequenceFast(p, ixs.slice(0, 50), new Float64Array(H))!;
    const same = scoreSequenceFast(p, ixs.slice(0, 50), h0)!;
    expect(other.nats).not.toBe(same.nats);
  });

  it('scores nothing for a text of fewer than 2 characters', () => {
    const p = randomParams(8, 5, 1);
    expect(scoreSequenceFast(p, [3], new Float64Array(8))).toEqual({ nats: 0, count: 0 });
  });
});
