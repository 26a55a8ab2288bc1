// The continuous-batching scheduler, driven directly (no thread): each stream's text is exactly the text
// complete() gives for its seed, however streams join, leave and share the batch; prompts are primed in bulk.
import { describe, expect, it } from 'vitest';
import { complete } from '../../src/rnn/generate.ts';
import { Model } from '../../src/rnn/model.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { Scheduler, type ServeOutcome, type ServeRequest } from '../../src/serve/scheduler.ts';
import { randomParams } from '../kernels/helpers.ts';

const H = 96;
const V = 40;
const chars = Array.from({ length: V }, (_, i) => (i === 0 ? '\n' : i === 1 ? ' ' : String.fromCharCode(63 + i)));
const model = new Model(randomParams(H, V, 21), chars);

/** Random text over the model's characters, with a few it does not know (dropped). */
function text(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.next() < 0.02 ? '~' : chars[Math.floor(rng.next() * V)];
  return s;
}

function alone(r: ServeRequest): { continuation: string; dropped: number } {
  const c = complete(model, { prompt: r.context, temp: r.temp, length: r.length, seed: r.seed, init: 'warm' });
  return { continuation: c.continuation, dropped: c.dropped.length };
}

describe('Scheduler', () => {
  it('streams that join at staggered ticks and leave at different ticks each get exactly their text alone', () => {
    const rng = new Rng(4);
    const reqs: ServeRequest[] = Array.from({ length: 14 }, (_, i) => ({
      id: i + 1,
      // Empty, short, and longer than the primer's per-tick budget (so some priming runs alongside sampling).
      context: text(rng, [0, 3, 17, 90, 250][i % 5]),
      temp: [0.3, 0.8, 1, 1.6][i % 4],
      length: [0, 1, 25, 60, 140][(i * 3) % 5],
      seed: 1000 + i * 7,
    }));
    const s = new Scheduler(model, { capacity: 5, primeStepsPerTick: 8 });
    const got = new Map<number, ServeOutcome>();
    let next = 0;
    let iterations = 0;
    while (next < reqs.length || s.busy) {
      // A new request every third iteration: it joins whatever is running, or waits for a free slot.
      if (next < reqs.length && iterations % 3 === 0) s.submit(reqs[next++]);
      for (const o of s.iterate()) got.set(o.id, o);
      iterations++;
      expect(s.inFlight).toBeLessThanOrEqual(5);
    }
    expect(got.size).toBe(reqs.length);
    for (const r of reqs) {
      const o = got.get(r.id)!;
      expect(o.ok).toBe(true);
      if (!o.ok) continue;
      expect(o.continuation).toHaveLength(r.length);
      expect({ continuation: o.continuation, dropped: o.dropped }).toEqual(alone(r));
    }
    // The batch really was shared: more than one stream per tick on average.
    expect(s.counters.streamTicks / s.counters.ticks).toBeGreaterThan(2);
    expect(s.counters.chars).toBe(reqs.reduce((n, r) => n + r.length, 0));
  });

  it('a long prompt is primed in bulk: its stream needs far fewer sampling ticks than it has characters', () => {
    const rng = new Rng(5);
    const s = new Scheduler(model, { capacity: 4, primeStepsPerTick: 64 });
    const background: ServeRequest = { id: 1, context: 'AB', temp: 1, length: 400, seed: 1 };
    const long: ServeRequest = { id: 2, context: text(rng, 3000), temp: 0.7, length: 50, seed: 2 };
    s.submit(background);
    for (let t = 0; t < 5; t++) s.iterate();
    s.submit(long);
    const ticksBefore = s.counters.ticks;
    let result: ServeOutcome | undefined;
    while (!result) result = s.iterate().find((o) => o.id === 2);
    const ticks = s.counters.ticks - ticksBefore;
    // Read one character per tick it would take 3050 ticks; in bulk, about 3000 / 64 + 50.
    expect(ticks).toBeLessThan(3000 / 64 + 50 + 5);
    expect(result).toMatchObject(alone(long));
    expect(s.drain().find((o) => o.id === 1)).toMatchObject(alone(background));
    expect(s.counters.primedChars).toBe(2 + model.encode(long.context).ixs.length);
  });

  it('a bad request fails alone, with complete()’s message; a cancelled one leaves without disturbing the rest', () => {
    const s = new Scheduler(model, { capacity: 3 });
    const ok: ServeRequest = { id: 1, context: 'HELLO', temp: 0.9, length: 80, seed: 9 };
    s.submit(ok);
    s.submit({ id: 2, context: 'X', temp: 99, length: 10, seed: 1 });
    s.submit({ id: 3, context: 'X', temp: 1, length: 2.5, seed: 1 });
    s.submit({ id: 4, context: 'CANCEL ME', temp: 1, length: 500, seed: 3 });
    s.submit({ id: 5, context: 'NEVER RUN', temp: 1, length: 500, seed: 4 });
    const first = s.iterate();
    expect(first.filter((o) => !o.ok).map((o) => o.id)).toEqual([2, 3]);
    expect(first.find((o) => o.id === 2)).toMatchObject({ ok: false, error: expect.stringMatching(/temperature/i) });
    for (let t = 0; t < 10; t++) s.iterate();
    expect(s.cancel(4)).toBe(true);
    expect(s.cancel(5)).toBe(true);
    expect(s.cancel(4)).toBe(false);
    const rest = s.drain();
    expect(rest.map((o) => o.id)).toEqual([1]);
    expect(rest[0]).toMatchObject(alone(ok));
  });
});
