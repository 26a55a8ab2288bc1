import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model, type ModelMeta } from '../../src/rnn/model.ts';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root and the shared reference data next to it (never copied into the repo). */
export const REPO_ROOT = resolve(here, '../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export const CSC321_SNAPSHOT = join(SHARED_DATA, 'char-rnn-snapshot.npz');
/** The CSC321 vocabulary in index order, as data/README.md lists it. */
export const CSC321_VOCAB = "\n! '&-,.;:?ACBEDGFIHKJMLONQPSRUTWVYZacbedgfihkjmlonqpsrutwvyxz";

/** A small random model with non-trivial biases, for round trips and checks. */
export function randomModel(opts: { H?: number; chars?: string[]; seed?: number; h0?: boolean; meta?: ModelMeta } = {}): Model {
  const chars = opts.chars ?? ['\n', ' ', 'a', 'b', 'é', ':'];
  const H = opts.H ?? 9;
  const rng = new Rng(opts.seed ?? 1);
  const p = initParams(H, chars.length, () => rng.normal(), 0.3);
  for (const b of [p.bh, p.by]) for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.3;
  const h0 = opts.h0 === false ? null : Float64Array.from({ length: H }, () => Math.tanh(rng.normal()));
  return new Model(p, chars, h0, opts.meta ?? { name: 'test-model', train: { loss: 1.25, steps: 100 } });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bard-snapshot-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
