import { describe, expect, it } from 'vitest';
import { complete, nextProbs } from '../../src/rnn/generate.ts';
import { checkTemperature, softmax, TemperatureError, TEMP_MAX, TEMP_MIN } from '../../src/rnn/softmax.ts';
import { csc321 } from './reference.ts';

const sum = (p: ArrayLike<number>) => Array.from(p).reduce((a, b) => a + b, 0);
const entropy = (p: ArrayLike<number>) => -Array.from(p).reduce((a, x) => a + (x > 0 ? x * Math.log(x) : 0), 0);

describe('softmax with temperature', () => {
  it('is p ∝ exp(y / T)', () => {
    const y = [0.5, -1, 2, 0];
    for (const T of [0.5, 1, 2]) {
      const z = y.map((v) => Math.exp(v / T));
      const Z = sum(z);
      const p = softmax(y, T);
      z.forEach((v, i) => expect(p[i]).toBeCloseTo(v / Z, 15));
    }
  });

  it('stays finite and sums to 1 with huge logits, at every temperature in range', () => {
    const cases = [
      [1e308, -1e308, 0, 1e308],
      [1000, 999, -1000],
      [-1e5, -1e5 - 1, -1e5 - 2],
      [7, 7, 7, 7],
    ];
    for (const y of cases) {
      for (const T of [TEMP_MIN, 0.2, 1, TEMP_MAX]) {
        const p = softmax(y, T);
        expect(p.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
        expect(sum(p)).toBeCloseTo(1, 14);
      }
    }
    // Ratios survive the max-shift: p0 / p1 = exp((y0 − y1) / T).
    const p = softmax([1000, 999, -1000], 0.5);
    expect(p[0] / p[1]).toBeCloseTo(Math.exp(2), 10);
    expect(softmax([7, 7, 7, 7])[2]).toBe(0.25);
  });

  it('sharpens as T falls and flattens as T rises', () => {
    const y = [2, 1, 0.5, -1];
    const H = [0.05, 0.5, 1, 2, 5].map((T) => entropy(softmax(y, T)));
    for (let i = 1; i < H.length; i++) expect(H[i]).toBeGreaterThan(H[i - 1]);
    expect(softmax(y, 0.05)[0]).toBeGreaterThan(0.999);
  });

  it('writes into the given buffer', () => {
    const out = new Float64Array(3);
    expect(softmax([1, 2, 3], 1, out)).toBe(out);
    expect(sum(out)).toBeCloseTo(1, 15);
  });

  it(`bounds T to [${TEMP_MIN}, ${TEMP_MAX}] with a clear error`, () => {
    for (const T of [TEMP_MIN, 1, TEMP_MAX]) expect(checkTemperature(T)).toBe(T);
    for (const T of [0, 0.049, -1, 5.01, 100, NaN, Infinity]) {
      expect(() => checkTemperature(T)).toThrow(TemperatureError);
      expect(() => checkTemperature(T)).toThrow(/between 0\.05 and 5/);
    }
    const model = csc321();
    expect(() => complete(model, { prompt: 'a', temp: 0.01, length: 5, seed: 1 })).toThrow(TemperatureError);
    expect(() => nextProbs(model, 'a', 6)).toThrow(TemperatureError);
  });

  it("applies the temperature to the model's distribution: T = 0.2 is the seed's alpha = 5", () => {
    const model = csc321();
    const p1 = nextProbs(model, 'ROMEO:', 1).probs;
    const p02 = nextProbs(model, 'ROMEO:', 0.2).probs;
    // softmax(y / 0.2) = p1^5 renormalised.
    const p5 = Array.from(p1, (x) => x ** 5);
    const Z = sum(p5);
    p5.forEach((x, i) => expect(p02[i]).toBeCloseTo(x / Z, 12));
  });
});
