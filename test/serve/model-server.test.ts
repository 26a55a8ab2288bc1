// The model thread seen from the worker's event loop: concurrent generate() calls with staggered joins
// give exactly complete()'s text for each seed, and the event loop stays free while the thread works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complete } from '../../src/rnn/generate.ts';
import { Model } from '../../src/rnn/model.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { ModelServer, ModelThreadError } from '../../src/serve/model-server.ts';
import { ExplainError } from '../../src/explain/index.ts';
import { COLON_QUERY, explainQuery } from '../../src/worker/explain.ts';
import type { GenerateRequest } from '../../src/worker/generate.ts';
import { randomParams } from '../kernels/helpers.ts';

const H = 250;
const V = 62;
const chars = Array.from({ length: V }, (_, i) => (i === 0 ? '\n' : i === 1 ? ' ' : String.fromCharCode(63 + i)));
const model = new Model(randomParams(H, V, 31), chars);
let server: ModelServer;

beforeAll(async () => {
  server = await ModelServer.start(model, { capacity: 8, statsIntervalMs: 20 });
});
afterAll(() => server?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ModelServer (model in a worker thread)', () => {
  it('16 concurrent requests joining at staggered times each get complete()’s text for their seed', async () => {
    const rng = new Rng(2);
    const reqs: GenerateRequest[] = Array.from({ length: 16 }, (_, i) => ({
      context: Array.from({ length: [0, 5, 40, 700][i % 4] }, () => chars[Math.floor(rng.next() * V)]).join(''),
      temp: [0.5, 1, 1.4][i % 3],
      // long enough to overlap their neighbours even on the native kernels (a few µs a character)
      length: 1000 + ((i * 37) % 300),
      seed: 7 + i,
    }));
    const results = await Promise.all(reqs.map(async (r, i) => {
      await sleep(i);
      return server.generate(r);
    }));
    reqs.forEach((r, i) => {
      const c = complete(model, { prompt: r.context, temp: r.temp, length: r.length, seed: r.seed, init: 'warm' });
      expect(results[i].continuation).toBe(c.continuation);
      expect(results[i].dropped).toBe(c.dropped.length);
    });
    await sleep(60);
    const s = server.stats();
    expect(s.counters.chars).toBeGreaterThanOrEqual(reqs.reduce((n, r) => n + r.length, 0));
    expect(s.counters.streamTicks / s.counters.ticks).toBeGreaterThan(3);
    expect(s).toMatchObject({ inFlight: 0, outstanding: 0, capacity: 8, threads: 1, threadsReady: 1 });
  });

  it('a bad request is refused with a clear error and the server keeps serving', async () => {
    await expect(server.generate({ context: 'A', temp: 50, length: 10, seed: 1 })).rejects.toThrow(/temperature/i);
    expect((await server.generate({ context: 'A', temp: 1, length: 10, seed: 1 })).continuation).toHaveLength(10);
  });

  it('the event loop stays free while the thread generates at full load', async () => {
    // Work that takes the thread a while: 8 streams of 6000 prompt characters and 10 000 sampled ones.
    const long = (seed: number): GenerateRequest => ({ context: chars.join('').repeat(100).slice(0, 6000), temp: 1, length: 10_000, seed });
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 5);
      last = now;
    }, 5);
    // Rounds of 8 such requests until 400 ms have passed: a full-load stretch of that length whatever the kernels' speed.
    const t0 = performance.now();
    let seed = 0;
    while (performance.now() - t0 < 400) await Promise.all(Array.from({ length: 8 }, () => server.generate(long(seed++))));
    clearInterval(timer);
    // Generating on the event loop would block it for a whole round (8 requests of 16 000 characters each).
    expect(worst).toBeLessThan(100);
  });

  it('/why-colon is worked out in the thread: the same answer as in-process; a model without ":" gets an ExplainError', async () => {
    await expect(server.explain('default', COLON_QUERY)).rejects.toBeInstanceOf(ExplainError);
    const small = new Model(randomParams(24, 8, 5), ['\n', ' ', ':', 'a', 'b', 'c', 'd', 'e']);
    const other = await ModelServer.start(small, { capacity: 2 });
    try {
      const [a, b] = await Promise.all([other.explain('default', COLON_QUERY), other.generate({ context: 'a:', temp: 1, length: 5, seed: 1 })]);
      const expected = explainQuery(small, COLON_QUERY);
      expect(a.text).toBe(expected.text);
      expect(Buffer.from(a.image.data).equals(Buffer.from(expected.image.data))).toBe(true);
      expect(b.continuation).toHaveLength(5);
    } finally {
      await other.close();
    }
  });

  it('a model thread that dies fails its requests (so BullMQ retries their jobs) and is replaced', async () => {
    const exits: Error[] = [];
    const other = await ModelServer.start(model, { capacity: 2, statsIntervalMs: 10, onThreadExit: (e) => exits.push(e) });
    try {
      await other.generate({ context: 'AB', temp: 1, length: 30, seed: 1 });
      await sleep(30);
      const before = other.stats().counters.chars;
      const inFlight = other.generate({ context: 'AB', temp: 1, length: 10_000, seed: 2 });
      // Kill the thread from outside, as a crash would.
      const thread = (other as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads[0];
      await thread.worker.terminate();
      await expect(inFlight).rejects.toBeInstanceOf(ModelThreadError);
      expect(other.healthy).toBe(false);
      await expect(other.generate({ context: 'A', temp: 1, length: 5, seed: 3 })).rejects.toThrow(/restarting/);
      for (let i = 0; i < 200 && !other.healthy; i++) await sleep(50);
      expect(other.healthy).toBe(true);
      expect(exits).toHaveLength(1);
      const c = complete(model, { prompt: 'AB', temp: 1, length: 40, seed: 4, init: 'warm' });
      expect((await other.generate({ context: 'AB', temp: 1, length: 40, seed: 4 })).continuation).toBe(c.continuation);
      await sleep(30);
      expect(other.stats().counters.chars).toBeGreaterThanOrEqual(before + 40);
    } finally {
      await other.close();
    }
  });
});

describe('ModelServer with several models', () => {
  it('each request runs on the model it names, in that model\'s own batch: the text complete() gives on that model', async () => {
    const a = new Model(randomParams(64, V, 41), chars);
    const b = new Model(randomParams(96, V, 42), chars);
    const two = await ModelServer.start(
      [
        { name: 'a', model: a },
        { name: 'b', model: b },
      ],
      { capacity: 4, statsIntervalMs: 10 },
    );
    try {
      const reqs = Array.from({ length: 8 }, (_, i) => ({ model: i % 2 ? 'b' : 'a', context: 'AB', temp: 1, length: 300 + i, seed: 100 + i }));
      const out = await Promise.all(reqs.map((r) => two.generate(r)));
      reqs.forEach((r, i) => {
        const m = r.model === 'a' ? a : b;
        expect(out[i].continuation).toBe(complete(m, { prompt: r.context, temp: r.temp, length: r.length, seed: r.seed, init: 'warm' }).continuation);
      });
      // The same seed on the two models gives two different texts (no request silently ran on the other model).
      const [x, y] = await Promise.all([two.generate({ model: 'a', context: 'AB', temp: 1, length: 80, seed: 5 }), two.generate({ model: 'b', context: 'AB', temp: 1, length: 80, seed: 5 })]);
      expect(x.continuation).not.toBe(y.continuation);
      await expect(two.generate({ model: 'c', context: 'AB', temp: 1, length: 10, seed: 1 })).rejects.toThrow(/no model "c"/);
      await sleep(30);
      expect(two.stats()).toMatchObject({ capacity: 8, batches: 2 });
    } finally {
      await two.close();
    }
  });
});
