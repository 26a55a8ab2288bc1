import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Model } from '../../src/rnn/model.ts';
import { cloneParams } from '../../src/rnn/params.ts';
import { loadSnapshot, saveSnapshot, SnapshotError } from '../../src/snapshot/index.ts';
import type { NpyArray } from '../../src/snapshot/npy.ts';
import { writeNpz } from '../../src/snapshot/npz.ts';
import { serialiseNpy } from '../../src/snapshot/npy.ts';
import { checkpointToArrays } from '../../src/snapshot/snapshot.ts';
import { randomModel, tempDir } from './fixtures.ts';

const H = 9;
const V = 6; // randomModel's default vocabulary: '\n', ' ', 'a', 'b', 'é', ':'

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** Writes a snapshot of a small valid model after `edit` has spoiled its arrays; returns the path. */
function badFile(name: string, edit: (arrays: Map<string, NpyArray>) => void): string {
  const arrays = checkpointToArrays(randomModel({ H }));
  edit(arrays);
  const path = join(tmp.dir, name);
  writeFileSync(path, writeNpz(arrays));
  return path;
}

/** The SnapshotError loading `path` throws; its message must start with the path. */
function loadError(path: string): SnapshotError {
  try {
    loadSnapshot(path);
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    const err = e as SnapshotError;
    expect(err.message.startsWith(`${path}: `)).toBe(true);
    expect(err.path).toBe(path);
    return err;
  }
  throw new Error(`loading ${path} did not fail`);
}

const f8 = (shape: number[], fill = 0.5): NpyArray => ({ kind: 'f8', shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

describe('snapshot errors name the file and the problem', () => {
  it('a valid file loads (the baseline the cases below spoil)', () => {
    expect(loadSnapshot(badFile('ok.npz', () => {})).H).toBe(H);
  });

  it('file missing, or a directory', () => {
    expect(loadError(join(tmp.dir, 'nope.npz')).problem).toBe('file not found');
    const dir = join(tmp.dir, 'adir.npz');
    mkdirSync(dir);
    expect(loadError(dir).problem).toMatch(/is a directory/);
  });

  it('not a zip', () => {
    const path = join(tmp.dir, 'text.npz');
    writeFileSync(path, 'Wxh, Whh, Why: not really\n');
    expect(loadError(path).problem).toMatch(/^not a zip file/);
  });

  it('truncated', () => {
    const good = readFileSync(badFile('good.npz', () => {}));
    const path = join(tmp.dir, 'cut.npz');
    writeFileSync(path, good.subarray(0, Math.floor(good.length * 0.6)));
    expect(loadError(path).problem).toMatch(/truncated or corrupt/);
  });

  it('corrupted bytes inside a member', () => {
    const bytes = readFileSync(badFile('good.npz', () => {}));
    const at = bytes.indexOf(Buffer.from('Wxh.npy')) + 'Wxh.npy'.length + 128 + 16; // a float inside Wxh
    bytes[at] ^= 0x40;
    const path = join(tmp.dir, 'flipped.npz');
    writeFileSync(path, bytes);
    expect(loadError(path).problem).toMatch(/'Wxh.npy' is corrupt \(CRC-32 mismatch\)/);
  });

  it('missing key', () => {
    expect(loadError(badFile('no-whh.npz', (a) => a.delete('Whh'))).problem).toMatch(/^missing array 'Whh' \(the file has: Wxh, Why, bh, by, chars, h0, meta\)/);
    expect(loadError(badFile('no-by.npz', (a) => a.delete('by'))).problem).toMatch(/^missing array 'by'/);
    expect(loadError(badFile('no-vocab.npz', (a) => a.delete('chars'))).problem).toMatch(/^missing vocabulary/);
  });

  it('wrong dtype', () => {
    const asInt = badFile('int-whh.npz', (a) => a.set('Whh', { kind: 'i8', shape: [H, H], data: new BigInt64Array(H * H) }));
    expect(loadError(asInt).problem).toBe("Whh has dtype '<i8' (int64), expected '<f8' (float64)");
    const asText = badFile('str-by.npz', (a) => a.set('by', { kind: 'unicode', shape: [V, 1], data: Array(V).fill('x') }));
    expect(loadError(asText).problem).toMatch(/^by has dtype '<U' \(str\), expected '<f8'/);
    const numericChars = badFile('f8-chars.npz', (a) => a.set('chars', f8([V])));
    expect(loadError(numericChars).problem).toMatch(/^chars has dtype '<f8' \(float64\) and shape \(6,\), expected a 1-D '<U1' or '\|S1' array/);
  });

  it('wrong shape: Whh not H×H, Why not V×H, Wxh rows not H, bias length', () => {
    expect(loadError(badFile('whh.npz', (a) => a.set('Whh', f8([H, H - 1])))).problem).toBe('Whh has shape (9, 8), expected a square (H, H) matrix');
    expect(loadError(badFile('why.npz', (a) => a.set('Why', f8([V, H + 1])))).problem).toBe('Why has shape (6, 10), expected (6, 9) = (V, H)');
    expect(loadError(badFile('why-t.npz', (a) => a.set('Why', f8([H, V])))).problem).toBe('Why has shape (9, 6), expected (6, 9) = (V, H)');
    expect(loadError(badFile('wxh.npz', (a) => a.set('Wxh', f8([H + 2, V])))).problem).toBe('Wxh has shape (11, 6), expected (9, 6) = (H, V)');
    expect(loadError(badFile('bh.npz', (a) => a.set('bh', f8([H - 1, 1])))).problem).toBe('bh has shape (8, 1), expected (9, 1) = (H, 1)');
    expect(loadError(badFile('h0.npz', (a) => a.set('h0', f8([H, 2])))).problem).toBe('h0 has shape (9, 2), expected (9, 1) = (H, 1)');
  });

  it('accepts biases stored flat, (n,) instead of (n, 1), as some numpy code writes them', () => {
    const path = badFile('flat-bias.npz', (a) => {
      a.set('bh', { ...a.get('bh')!, shape: [H] });
      a.set('by', { ...a.get('by')!, shape: [V] });
    });
    expect(loadSnapshot(path).params.by.length).toBe(V);
  });

  it('vocabulary size different from the matrix shapes', () => {
    const short = badFile('short-vocab.npz', (a) => a.set('chars', { kind: 'unicode', shape: [V - 1], data: ['\n', ' ', 'a', 'b', 'é'] }));
    expect(loadError(short).problem).toBe('vocabulary has 5 characters but the weights are for 6 (Wxh is (9, 6), Why is (6, 9))');
    const repeated = badFile('repeated.npz', (a) => a.set('chars', { kind: 'unicode', shape: [V], data: ['\n', ' ', 'a', 'a', 'é', ':'] }));
    expect(loadError(repeated).problem).toBe('vocabulary has repeated characters');
    const long = badFile('long-entry.npz', (a) => a.set('chars', { kind: 'unicode', shape: [V], data: ['\n', ' ', 'a', 'bb', 'é', ':'] }));
    expect(loadError(long).problem).toBe('vocabulary entry 3 is "bb", not a single character');
  });

  it('NaN or Inf in weights, naming the array and the element', () => {
    const nan = badFile('nan.npz', (a) => {
      (a.get('Whh')!.data as Float64Array)[1 * H + 2] = NaN;
    });
    expect(loadError(nan).problem).toBe('Whh holds NaN at [1, 2]');
    const inf = badFile('inf.npz', (a) => {
      (a.get('by')!.data as Float64Array)[3] = Infinity;
    });
    expect(loadError(inf).problem).toBe('by holds Infinity at [3, 0]');
    const h0 = badFile('h0-inf.npz', (a) => {
      (a.get('h0')!.data as Float64Array)[0] = -Infinity;
    });
    expect(loadError(h0).problem).toBe('h0 holds -Infinity at [0, 0]');
  });

  it('bad meta', () => {
    const notJson = badFile('meta.npz', (a) => a.set('meta', { kind: 'unicode', shape: [], data: ['{"format": "bard-char-rnn",'] }));
    expect(loadError(notJson).problem).toMatch(/^meta is not valid JSON/);
    const future = badFile('future.npz', (a) => {
      const meta = JSON.parse((a.get('meta')!.data as string[])[0]);
      a.set('meta', { kind: 'unicode', shape: [], data: [JSON.stringify({ ...meta, version: 99 })] });
    });
    expect(loadError(future).problem).toBe('snapshot format version 99 is not supported (this code reads version 1)');
    const lying = badFile('lying.npz', (a) => {
      const meta = JSON.parse((a.get('meta')!.data as string[])[0]);
      a.set('meta', { kind: 'unicode', shape: [], data: [JSON.stringify({ ...meta, hidden_size: 10 })] });
    });
    expect(loadError(lying).problem).toBe('meta says H = 10, V = 6 but the arrays have H = 9, V = 6');
    const missingOpt = badFile('opt.npz', (a) => {
      const meta = JSON.parse((a.get('meta')!.data as string[])[0]);
      a.set('meta', { kind: 'unicode', shape: [], data: [JSON.stringify({ ...meta, optimizer: { kind: 'adagrad', arrays: ['mWxh'] } })] });
    });
    expect(loadError(missingOpt).problem).toBe("missing optimizer array 'mWxh' (meta lists it)");
  });

  it('float32 weights are widened, then checked like float64 ones', () => {
    const f4 = badFile('f4.npz', (a) => a.set('Why', { kind: 'f4', shape: [V, H], data: new Float32Array(V * H).fill(0.25) }));
    expect(loadSnapshot(f4).params.Why.every((v) => v === 0.25)).toBe(true);
    const f4nan = badFile('f4-nan.npz', (a) => a.set('Why', { kind: 'f4', shape: [V, H], data: new Float32Array(V * H).fill(Number.NaN) }));
    expect(loadError(f4nan).problem).toBe('Why holds NaN at [0, 0]');
  });

  it('an array in a format we do not read is named with its problem', () => {
    const arrays = checkpointToArrays(randomModel({ H }));
    const files: Record<string, Uint8Array> = {};
    for (const [name, a] of arrays) files[`${name}.npy`] = serialiseNpy(a);
    const header = "{'descr': '<f8', 'fortran_order': True, 'shape': (9, 6), }";
    files['Wxh.npy'] = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length + 1, 0, ...Buffer.from(header + '\n'), ...new Uint8Array(H * V * 8)]);
    const path = join(tmp.dir, 'fortran.npz');
    writeFileSync(path, zipSync(files));
    expect(loadError(path).problem).toBe("array 'Wxh': Fortran-order arrays are not supported (save with C order)");
  });

  it('saving refuses a model it could not load back', () => {
    const model = randomModel({ H });
    const p = cloneParams(model.params);
    p.Why[2 * H + 4] = NaN;
    const broken = new Model(p, model.chars, model.h0, model.meta);
    const path = join(tmp.dir, 'nan-out.npz');
    expect(() => saveSnapshot(path, broken)).toThrow(SnapshotError);
    expect(() => saveSnapshot(path, broken)).toThrow(`${path}: cannot save: Why holds NaN at [2, 4]`);
    expect(() => saveSnapshot(path, model, { optimizer: { kind: 'x', state: { Wxh: new Float64Array(1) } } })).toThrow(/optimizer array name 'Wxh' is reserved/);
    expect(() => saveSnapshot(path, model, { step: -1 })).toThrow(/step must be a whole number/);
    const blocked = join(tmp.dir, 'file-not-dir');
    writeFileSync(blocked, '');
    expect(() => saveSnapshot(join(blocked, 'm.npz'), model)).toThrow(/cannot write/);
  });
});
