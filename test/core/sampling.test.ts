import { describe, expect, it } from 'vitest';
import { logits, prime, stepHidden } from '../../src/rnn/forward.ts';
import { complete, nextProbs } from '../../src/rnn/generate.ts';
import { softmax } from '../../src/rnn/softmax.ts';
import { startState, type InitMode } from '../../src/rnn/start.ts';
import { csc321 } from './reference.ts';

const model = csc321();

/** The greedy path, computed here from the bare equations: h = tanh(Wxh x + Whh h + bh); next = argmax(Why h + by). */
function argmaxPath(prompt: string, init: InitMode, n: number): { text: string; probability: number } {
  const p = model.params;
  let h: Float64Array = startState(model, init);
  let next: Float64Array = new Float64Array(p.H);
  for (const ix of model.encode(prompt).ixs) {
    stepHidden(p, ix, h, next);
    [h, next] = [next, h];
  }
  let text = '';
  let logP = 0; // log-probability, at T = 0.05, that sampling follows this path
  for (let t = 0; t < n; t++) {
    const y = logits(p, h);
    let best = 0;
    for (let c = 1; c < p.V; c++) if (y[c] > y[best]) best = c;
    logP += Math.log(softmax(y, 0.05)[best]);
    text += model.chars[best];
    stepHidden(p, best, h, next);
    [h, next] = [next, h];
  }
  return { text, probability: Math.exp(logP) };
}

describe('sampling is deterministic', () => {
  it('gives the same text for the same seed, prompt and options', () => {
    const opts = { prompt: 'ROMEO:', temp: 1, length: 200, seed: 1234 };
    const a = complete(model, opts);
    const b = complete(model, opts);
    expect(a.continuation).toHaveLength(200);
    expect(b.continuation).toBe(a.continuation);
    expect(b.h).toEqual(a.h);
  });

  it('gives different texts for different seeds', () => {
    const texts = new Set([1, 2, 3].map((seed) => complete(model, { prompt: 'ROMEO:', temp: 1, length: 200, seed }).continuation));
    expect(texts.size).toBe(3);
  });

  it('depends on the temperature and the start state, as options', () => {
    const base = { prompt: 'ROMEO:', length: 200, seed: 7 };
    const t1 = complete(model, { ...base, temp: 1 }).continuation;
    expect(complete(model, { ...base, temp: 2 }).continuation).not.toBe(t1);
    expect(complete(model, { ...base, temp: 1, init: 'zero' }).continuation).not.toBe(t1);
  });
});

describe('priming', () => {
  it.each([
    ['First Citizen:\n', 'warm'],
    ['to be or not to be', 'zero'],
  ] as const)('a T = 0.05 continuation of %j (%s start) is the argmax path, char for char', (prompt, init) => {
    const greedy = argmaxPath(prompt, init, 200);
    // At T = 0.05 sampling follows this path with probability > 0.95, so a difference is a bug, not bad luck.
    expect(greedy.probability).toBeGreaterThan(0.95);
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(complete(model, { prompt, temp: 0.05, length: 200, seed, init }).continuation).toBe(greedy.text);
    }
  });

  it('feeds every character exactly once (no "tthhee" doubling)', () => {
    const p = model.params;
    const r = complete(model, { prompt: 'First Citizen:\n', temp: 1, length: 100, seed: 5 });
    // The state after sampling is the state after reading prompt + continuation once each.
    const expected = prime(p, model.encode(r.prompt + r.continuation).ixs, startState(model, 'warm'));
    expect(r.h).toEqual(expected);
    // And the doubled reading gives something else, so the check above can tell them apart.
    const doubled = [...r.prompt + r.continuation].flatMap((c) => [c, c]).join('');
    expect(prime(p, model.encode(doubled).ixs, startState(model, 'warm'))).not.toEqual(expected);
    // The greedy text itself has no systematic doubling.
    const g = complete(model, { prompt: 'First Citizen:\n', temp: 0.05, length: 200, seed: 1 }).continuation;
    let repeats = 0;
    for (let i = 1; i < g.length; i++) if (g[i] === g[i - 1]) repeats++;
    expect(repeats / g.length).toBeLessThan(0.1);
  });

  it('continues from the state the prompt leaves: the first sampled character follows nextProbs', () => {
    // At T = 0.05 the first character is the argmax of the distribution after the prompt.
    const { probs } = nextProbs(model, 'ROMEO:', 1, 'warm');
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    expect(complete(model, { prompt: 'ROMEO:', temp: 0.05, length: 1, seed: 3 }).continuation).toBe(model.chars[best]);
  });
});
