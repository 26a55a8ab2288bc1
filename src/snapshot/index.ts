import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model } from '../rnn/model.ts';
import { FormatError, SnapshotError } from './errors.ts';
import { readNpz, writeNpz } from './npz.ts';
import { checkpointFromArrays, checkpointToArrays, type Checkpoint, type SaveOptions } from './snapshot.ts';

export { SnapshotError } from './errors.ts';
export type { Checkpoint, OptimizerState, SaveOptions } from './snapshot.ts';

/** <repo>/snapshots/bard.npz, found from this module's location so it works from any cwd. */
export const DEFAULT_SNAPSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../snapshots/bard.npz');

/** <repo>/snapshots: every model the bot and workers serve when BARD_MODELS is not set. */
export const DEFAULT_MODELS = dirname(DEFAULT_SNAPSHOT);

/** Reads a snapshot (ours, or a min-char-rnn / CSC321 .npz) as a Model. Throws SnapshotError. */
export function loadSnapshot(path: string): Model {
  return readCheckpoint(path).model;
}

/**
 * Reads a snapshot with what a trainer needs to resume: the optimizer state (e.g. Adagrad's
 * mWxh … mby, also found in min-char-rnn files), the step and the `extra` it saved.
 */
export function readCheckpoint(path: string): Checkpoint {
  return checkpointFromBytes(path, readSnapshotBytes(path));
}

/** A snapshot file's bytes (for a content hash before parsing). Throws SnapshotError. */
export function readSnapshotBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a snapshot file' : `cannot read: ${(e as Error).message}`;
    throw new SnapshotError(path, problem, { cause: e });
  }
}

/** Parses bytes read from `path` (named in errors). Throws SnapshotError. */
export function checkpointFromBytes(path: string, bytes: Uint8Array): Checkpoint {
  try {
    return checkpointFromArrays(readNpz(bytes));
  } catch (e) {
    if (e instanceof FormatError) throw new SnapshotError(path, e.message, { cause: e });
    throw e;
  }
}

/**
 * Writes `model` (and optionally optimizer state, step and extra fields) as an .npz that
 * `numpy.load(path)` opens without pickle. The file is written next to its destination and
 * renamed into place, so an interrupted save never leaves a half-written snapshot.
 */
export function saveSnapshot(path: string, model: Model, opts: SaveOptions = {}): void {
  let bytes: Uint8Array;
  try {
    bytes = writeNpz(checkpointToArrays(model, opts));
  } catch (e) {
    if (e instanceof FormatError) throw new SnapshotError(path, `cannot save: ${e.message}`, { cause: e });
    throw e;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was left behind
    }
    throw new SnapshotError(path, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}
