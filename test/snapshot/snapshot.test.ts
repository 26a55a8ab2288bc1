import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { complete, nextProbs } from '../../src/rnn/generate.ts';
import { lossFun } from '../../src/rnn/loss.ts';
import type { Model } from '../../src/rnn/model.ts';
import { PARAM_NAMES } from '../../src/rnn/params.ts';
import { DEFAULT_SNAPSHOT, loadSnapshot, readCheckpoint, saveSnapshot } from '../../src/snapshot/index.ts';
import { CSC321_SNAPSHOT, CSC321_VOCAB, randomModel, REPO_ROOT, tempDir } from './fixtures.ts';

/** Bit-for-bit equality of two float64 arrays (signed zeros and all). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function expectSameModel(a: Model, b: Model): void {
  expect(b.H).toBe(a.H);
  expect(b.V).toBe(a.V);
  expect(b.chars).toEqual(a.chars);
  for (const name of PARAM_NAMES) expect(sameBits(a.params[name], b.params[name]), name).toBe(true);
  if (a.h0) expect(b.h0 && sameBits(a.h0, b.h0)).toBe(true);
  else expect(b.h0).toBeNull();
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('the CSC321 snapshot', () => {
  it('loads with H = 250, V = 62 and the vocabulary order of ix_to_char', () => {
    const model = loadSnapshot(CSC321_SNAPSHOT);
    expect(model.H).toBe(250);
    expect(model.V).toBe(62);
    expect(model.vocab).toBe(CSC321_VOCAB);
    expect(model.charToIx.get('\n')).toBe(0);
    expect(model.charToIx.get(':')).toBe(9);
    expect(model.h0).toBeNull();
    expect(model.meta).toMatchObject({ source: 'min-char-rnn', data_size: 268330 });
  });

  it('yields its Adagrad memory as optimizer state for resuming', () => {
    const { model, optimizer, step } = readCheckpoint(CSC321_SNAPSHOT);
    expect(optimizer?.kind).toBe('adagrad');
    expect(Object.keys(optimizer!.state)).toEqual(['mWxh', 'mWhh', 'mWhy', 'mbh', 'mby']);
    for (const name of PARAM_NAMES) {
      const m = optimizer!.state[`m${name}`];
      expect(m.length).toBe(model.params[name].length);
      expect(m.every((v) => v >= 0)).toBe(true); // sums of squares
    }
    expect(step).toBeUndefined();
  });

  it('survives a save and load in our format unchanged, with forward results identical', () => {
    const original = readCheckpoint(CSC321_SNAPSHOT);
    const path = join(tmp.dir, 'csc321.npz');
    saveSnapshot(path, original.model, { optimizer: original.optimizer });
    const back = readCheckpoint(path);
    expectSameModel(original.model, back.model);
    expect(back.model.meta).toEqual(original.model.meta);
    for (const [name, m] of Object.entries(original.optimizer!.state)) expect(sameBits(m, back.optimizer!.state[name]), name).toBe(true);
    const opts = { prompt: 'ROMEO:\nWhat', temp: 0.8, length: 60, seed: 7, init: 'zero' as const };
    expect(complete(back.model, opts).continuation).toBe(complete(original.model, opts).continuation);
  });
});

describe('our snapshots', () => {
  it('round-trip weights, vocabulary, h0 and meta exactly, so every forward result is identical', () => {
    const model = randomModel({ meta: { name: 'tiny', train: { val_loss: 1.5, chars_seen: 12345 } } });
    const path = join(tmp.dir, 'm.npz');
    saveSnapshot(path, model);
    const back = loadSnapshot(path);
    expectSameModel(model, back);
    expect(back.meta).toEqual(model.meta);

    const hprev = model.h0!;
    const ixs = [0, 1, 2, 3, 4, 5, 2, 2, 1, 0];
    const a = lossFun(model.params, ixs.slice(0, -1), ixs.slice(1), hprev);
    const b = lossFun(back.params, ixs.slice(0, -1), ixs.slice(1), hprev);
    expect(b.loss).toBe(a.loss);
    expect(sameBits(a.h, b.h)).toBe(true);
    for (const name of PARAM_NAMES) expect(sameBits(a.grads[name], b.grads[name])).toBe(true);
    for (const init of ['warm', 'zero'] as const) {
      const opts = { prompt: 'ab é:', temp: 1, length: 80, seed: 42, init };
      const ca = complete(model, opts);
      const cb = complete(back, opts);
      expect(cb.continuation).toBe(ca.continuation);
      expect(sameBits(ca.h, cb.h)).toBe(true);
      expect(sameBits(nextProbs(back, 'ba', 0.5, init).probs, nextProbs(model, 'ba', 0.5, init).probs)).toBe(true);
    }
  });

  it('round-trip a model without a warm start state', () => {
    const model = randomModel({ h0: false });
    const path = join(tmp.dir, 'cold.npz');
    saveSnapshot(path, model);
    expect(Object.keys(unzipSync(readFileSync(path)))).not.toContain('h0.npy');
    expect(loadSnapshot(path).h0).toBeNull();
  });

  it('carry optimizer state by name (Adagrad or Adam alike), the step and extra fields', () => {
    const model = randomModel({ seed: 3 });
    const p = model.params;
    const filled = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => (i + 1) * k);
    const adam: Record<string, Float64Array> = { t_scalar: Float64Array.from([17]) };
    for (const name of PARAM_NAMES) {
      adam[`m_${name}`] = filled(p[name].length, 0.1);
      adam[`v_${name}`] = filled(p[name].length, 0.01);
    }
    const path = join(tmp.dir, 'ckpt.npz');
    saveSnapshot(path, model, { optimizer: { kind: 'adam', state: adam }, step: 123456, extra: { lr: 0.002, dataPos: 789, rng: [1, 2] } });
    const back = readCheckpoint(path);
    expect(back.step).toBe(123456);
    expect(back.extra).toEqual({ lr: 0.002, dataPos: 789, rng: [1, 2] });
    expect(back.optimizer?.kind).toBe('adam');
    expect(Object.keys(back.optimizer!.state).sort()).toEqual(Object.keys(adam).sort());
    for (const [name, arr] of Object.entries(adam)) expect(sameBits(back.optimizer!.state[name], arr), name).toBe(true);
    expectSameModel(model, back.model);
  });

  it('are plain .npz files numpy opens without pickle: no object arrays, weights in numpy layout', () => {
    const model = randomModel({ H: 4, chars: ['x', 'y', 'z'] });
    const path = join(tmp.dir, 'plain.npz');
    saveSnapshot(path, model, { optimizer: { kind: 'adagrad', state: { mWxh: new Float64Array(12) } }, step: 5 });
    const members = unzipSync(readFileSync(path));
    const headers = Object.fromEntries(
      Object.entries(members).map(([name, npy]) => [name, new TextDecoder('latin1').decode(npy.subarray(10, 10 + (npy[8] | (npy[9] << 8)))).trim()]),
    );
    for (const h of Object.values(headers)) expect(h).not.toContain("'|O'"); // np.load refuses only object arrays without allow_pickle
    expect(headers['Wxh.npy']).toContain("'descr': '<f8', 'fortran_order': False, 'shape': (4, 3)");
    expect(headers['Whh.npy']).toContain("'shape': (4, 4)");
    expect(headers['Why.npy']).toContain("'shape': (3, 4)");
    expect(headers['bh.npy']).toContain("'shape': (4, 1)");
    expect(headers['by.npy']).toContain("'shape': (3, 1)");
    expect(headers['h0.npy']).toContain("'shape': (4, 1)");
    expect(headers['mWxh.npy']).toContain("'shape': (4, 3)");
    expect(headers['chars.npy']).toContain("'descr': '<U1'");
    expect(headers['meta.npy']).toMatch(/'descr': '<U\d+', 'fortran_order': False, 'shape': \(\)/);
  });

  it('are written in place atomically (no temporary file left) and into new directories', () => {
    const path = join(tmp.dir, 'deep', 'er', 'm.npz');
    saveSnapshot(path, randomModel());
    saveSnapshot(path, randomModel({ seed: 2 })); // overwrite
    expect(readdirSync(join(tmp.dir, 'deep', 'er'))).toEqual(['m.npz']);
    expectSameModel(randomModel({ seed: 2 }), loadSnapshot(path));
  });

  it('have a default path under the repository, independent of the working directory', () => {
    expect(isAbsolute(DEFAULT_SNAPSHOT)).toBe(true);
    expect(DEFAULT_SNAPSHOT).toBe(join(REPO_ROOT, 'snapshots', 'bard.npz'));
    expect(DEFAULT_SNAPSHOT.endsWith(`${sep}snapshots${sep}bard.npz`)).toBe(true);
    if (existsSync(DEFAULT_SNAPSHOT)) expect(loadSnapshot(DEFAULT_SNAPSHOT).V).toBeGreaterThan(0);
  });
});
