import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model } from '../../src/rnn/model.ts';
import { loadSnapshot } from '../../src/snapshot/index.ts';

// The reference data lives next to the checkout (../shared/data), never inside it.
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA = resolve(REPO, '../shared/data');
export const CSC321_SNAPSHOT = resolve(DATA, 'char-rnn-snapshot.npz');
export const TRAIN_TEXT = resolve(DATA, 'shakespeare_train.txt');
export const TINY_SHAKESPEARE = resolve(DATA, 'tinyshakespeare.txt');
export const GOLDEN_JSON = resolve(DATA, 'golden/csc321-golden.json');

/** The 13 first characters that trap the CSC321 snapshot from h = 0 (data/README.md). */
export const TRAP_CHARS = ['\n', '-', 'E', 'I', 'M', 'L', 'O', 'N', 'R', 'U', 'T', 'W', 'V'];

let cached: Model | undefined;

/** The CSC321 snapshot (H = 250, 62 characters, no stored start state), loaded once per test file. */
export function csc321(): Model {
  cached ??= loadSnapshot(CSC321_SNAPSHOT);
  return cached;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
