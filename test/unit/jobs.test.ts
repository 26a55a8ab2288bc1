// The worker's job code run in-process (as `npm run play` runs it) on the reference snapshot:
// what it posts, the state it keeps for the buttons, rounds and their reveal.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/bard/replies.ts';
import { ExplainError } from '../../src/explain/index.ts';
import { decodeResult } from '../../src/bard/result-codec.ts';
import { keys } from '../../src/bard/state.ts';
import { silentLogger } from '../../src/log.ts';
import { InvalidJobError, parseJob, type CompleteJob } from '../../src/queue/jobs.ts';
import { MemoryQueue } from '../../src/queue/memory.ts';
import { complete, sampleFrom } from '../../src/rnn/generate.ts';
import type { Model } from '../../src/rnn/model.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { loadRegistry, ModelUnavailableError, type ModelRegistry } from '../../src/models/registry.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { inProcessGenerator } from '../../src/worker/generate.ts';
import { runJob, type JobDeps } from '../../src/worker/jobs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SNAPSHOT = path.resolve(here, '../../../shared/data/char-rnn-snapshot.npz');

let model: Model;
let models: ModelRegistry;
let csc321: { name: string; hash: string };
beforeAll(() => {
  models = loadRegistry(SNAPSHOT, { strict: true });
  model = models.default.model;
  csc321 = { name: models.default.card.name, hash: models.default.card.hash };
});

const alice = { id: '111111111111111111', name: 'alice' };
const bob = { id: '222222222222222222', name: 'bob' };

function setup(now = () => Date.now()) {
  const posted: { interactionId: string; reply: Reply }[] = [];
  const store = new MemoryStore(now);
  const queue = new MemoryQueue((_job, e) => {
    throw e;
  });
  const deps: JobDeps = {
    generate: inProcessGenerator(model),
    explain: async () => ({ text: 'because', image: { name: 'x.png', data: new Uint8Array([1]) } }),
    models,
    store,
    poster: { show: async (t, reply) => void posted.push({ interactionId: t.interactionId, reply }) },
    producer: queue,
    stateTtlMs: 60_000,
    now,
    log: silentLogger(),
  };
  queue.setRunner((job) => runJob(job, deps));
  return { posted, store, queue, deps };
}

const bardJob = (over: Partial<CompleteJob> = {}): CompleteJob => ({
  target: { interactionId: '100000000000000001', token: 'tok' },
  channelId: '300000000000000000',
  author: alice,
  prompt: 'ROMEO:',
  temp: 0.5,
  length: 80,
  seed: 7,
  ...over,
});

describe('complete job', () => {
  it('posts a continuation of the asked length, the same for the same seed (so a re-run posts the same reply)', async () => {
    const { posted, deps } = setup();
    await runJob({ name: 'complete', data: bardJob() }, deps);
    await runJob({ name: 'complete', data: bardJob() }, deps);
    expect(posted).toHaveLength(2);
    const r = posted[0].reply;
    expect(r.kind).toBe('completion');
    if (r.kind !== 'completion') return;
    expect([...r.continuation]).toHaveLength(80);
    expect(r).toMatchObject({ prompt: 'ROMEO:', temp: 0.5, seed: 7, model: 'char-rnn-snapshot', ref: '100000000000000001', author: alice });
    expect(posted[1].reply).toEqual(r);
    expect(r.continuation).toBe(complete(model, { prompt: 'ROMEO:', temp: 0.5, length: 80, seed: 7 }).continuation);
  });

  it('keeps the state its buttons need, and Continue extends exactly from where the text stopped', async () => {
    const { posted, store, deps } = setup();
    await runJob({ name: 'complete', data: bardJob() }, deps);
    const state = decodeResult(await store.getBytes(keys.result('100000000000000001')))!;
    const first = posted[0].reply as Extract<Reply, { kind: 'completion' }>;
    expect(state).toEqual({ author: alice, prompt: 'ROMEO:', text: first.continuation, temp: 0.5, length: 80, model: csc321 });

    await runJob(
      {
        name: 'complete',
        data: bardJob({
          target: { interactionId: '100000000000000002', token: 'tok2' },
          seed: 99,
          press: { action: 'continue', by: bob, from: '100000000000000001', clamped: null, previous: state.text },
        }),
      },
      deps,
    );
    const cont = posted[1].reply as Extract<Reply, { kind: 'completion' }>;
    // The same as sampling on from the hidden state where the first run stopped.
    const h = complete(model, { prompt: 'ROMEO:', temp: 0.5, length: 80, seed: 7 }).h;
    expect(cont.continuation).toBe(model.decode(sampleFrom(model, h, 80, 0.5, new Rng(99)).ixs));
    expect(cont.press).toMatchObject({ action: 'continue', by: bob });
    expect(cont.press?.previousTail?.endsWith(first.continuation.slice(-50))).toBe(true);
    const after = decodeResult(await store.getBytes(keys.result('100000000000000002')))!;
    expect(after.text).toBe(first.continuation + cont.continuation);
  });
});

describe('round and reveal jobs', () => {
  it('posts hidden-temperature entries, schedules the reveal, and the reveal counts one vote per member', async () => {
    let now = 1_700_000_000_000;
    const { posted, store, queue, deps } = setup(() => now);
    const target = { interactionId: '200000000000000001', token: 'tok' };
    await queue.add({ name: 'round', data: { target, channelId: '3', author: alice, prompt: 'KING:', temps: [0.3, 0.8, 1.5], seconds: 30, length: 60, seed: 5 } });
    await queue.idle();
    const round = posted[0].reply;
    expect(round.kind).toBe('round');
    if (round.kind !== 'round') return;
    expect(round.entries.map((e) => e.label)).toEqual(['A', 'B', 'C']);
    for (const e of round.entries) expect([...e.text]).toHaveLength(60);
    expect(JSON.stringify(round)).not.toMatch(/temp/);
    expect(round.endsAt).toBe(now + 30_000);
    expect(queue.delayedCount).toBe(1);

    await store.hashSet(keys.roundVotes(target.interactionId), 'u1', 'B', 60_000);
    await store.hashSet(keys.roundVotes(target.interactionId), 'u2', 'B', 60_000);
    await store.hashSet(keys.roundVotes(target.interactionId), 'u3', 'A', 60_000);
    await store.hashSet(keys.roundVotes(target.interactionId), 'u4', 'Z', 60_000);
    now += 30_000;
    queue.promoteAll();
    await queue.idle();
    const result = posted[1].reply;
    expect(posted[1].interactionId).toBe(target.interactionId);
    expect(result.kind).toBe('round-result');
    if (result.kind !== 'round-result') return;
    expect(result.voters).toBe(3);
    expect(result.winners).toEqual(['B']);
    expect(result.entries.map((e) => e.temp).sort()).toEqual([0.3, 0.8, 1.5]);
    expect(result.entries.map((e) => e.text)).toEqual(round.entries.map((e) => e.text));
    expect(await store.get(keys.roundOver(target.interactionId))).toBe('1');
  });

  it('a re-delivered round job keeps the first closing time and schedules one reveal', async () => {
    let now = 1_700_000_000_000;
    const { posted, queue, deps } = setup(() => now);
    const data = { target: { interactionId: '200000000000000002', token: 't' }, channelId: '3', author: alice, prompt: 'KING:', temps: [0.3, 1.5], seconds: 30, length: 20, seed: 1 };
    await runJob({ name: 'round', data }, deps);
    now += 5000;
    await runJob({ name: 'round', data }, deps);
    expect(posted[1].reply).toEqual(posted[0].reply);
    expect(queue.delayedCount).toBe(1);
  });
});

describe('why-colon job', () => {
  it('posts the analysis with its chart, or a notice when the model cannot be asked', async () => {
    const { posted, deps } = setup();
    const target = { interactionId: '400000000000000001', token: 't' };
    await runJob({ name: 'why-colon', data: { target, requester: alice } }, deps);
    expect(posted[0].reply).toMatchObject({ kind: 'explanation', text: 'because', image: { name: 'x.png' } });
    deps.explain = async () => {
      throw new ExplainError('":" is not in the model\'s vocabulary');
    };
    await runJob({ name: 'why-colon', data: { target, requester: alice } }, deps);
    expect(posted[1].reply).toEqual({ kind: 'notice', text: 'The model char-rnn-snapshot cannot answer that: ":" is not in the model\'s vocabulary.' });
  });
});

describe('the model a job names', () => {
  it('a model this worker lacks, or a different file under its name: a clear error, and nothing is generated or posted', async () => {
    const { posted, deps } = setup();
    let generated = 0;
    const generate = deps.generate;
    deps.generate = (req) => {
      generated++;
      return generate(req);
    };
    const missing = runJob({ name: 'complete', data: bardJob({ model: { name: 'bard-h1024', hash: 'abcdef123456' } }) }, deps);
    await expect(missing).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(missing).rejects.toThrow(/does not serve the model "bard-h1024" \(it serves char-rnn-snapshot\)/);
    const changed = runJob({ name: 'why-colon', data: { target: { interactionId: '400000000000000009', token: 't' }, requester: alice, model: { ...csc321, hash: '000000000000' } } }, deps);
    await expect(changed).rejects.toThrow(/different file for the model "char-rnn-snapshot" \(hash [0-9a-f]{12}; the job asked for 000000000000\)/);
    const round = { target: { interactionId: '200000000000000009', token: 't' }, channelId: '3', author: alice, prompt: 'KING:', temps: [0.3, 1.5], seconds: 30, length: 20, seed: 1 };
    await expect(runJob({ name: 'round', data: { ...round, models: [csc321, { name: 'nope', hash: 'abcdef' }] } }, deps)).rejects.toBeInstanceOf(ModelUnavailableError);
    expect(generated).toBe(0);
    expect(posted).toEqual([]);
    // The right name and hash: served.
    await runJob({ name: 'complete', data: bardJob({ model: csc321 }) }, deps);
    expect(posted).toHaveLength(1);
  });
});

describe('payload validation', () => {
  it('rejects what is not one of our jobs, naming the problem', () => {
    expect(() => parseJob('complete', { ...bardJob(), temp: 9 })).toThrow(InvalidJobError);
    expect(() => parseJob('complete', { ...bardJob(), length: 5000 })).toThrow(/length/);
    expect(() => parseJob('complete', { ...bardJob(), target: { interactionId: '../../x', token: 't' } })).toThrow(/target/);
    expect(() => parseJob('rm -rf', {})).toThrow(/unknown job name/);
    expect(() => parseJob('reveal', 'not an object')).toThrow(InvalidJobError);
    expect(parseJob('complete', bardJob()).name).toBe('complete');
  });
});
