import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Model } from '../rnn/model.ts';
import { DEFAULT_SNAPSHOT, loadSnapshot, SnapshotError } from '../snapshot/index.ts';

/** Loads the snapshot named by --snapshot (relative to the cwd), or the project's default one. */
export function loadModel(snapshot: string | undefined): Model {
  if (snapshot === undefined && !existsSync(DEFAULT_SNAPSHOT)) {
    throw new SnapshotError(DEFAULT_SNAPSHOT, "the default snapshot is missing: pass --snapshot PATH, or make one with 'bard train'");
  }
  return loadSnapshot(snapshot === undefined ? DEFAULT_SNAPSHOT : resolve(snapshot));
}

/** The --json contract: one JSON object, alone on the last line of stdout. */
export function printJson(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Bold on a terminal (unless NO_COLOR is set), plain otherwise, so piped output stays clean. */
export function bold(text: string): string {
  if (!process.stdout.isTTY || process.env.NO_COLOR || text === '') return text;
  return `\x1b[1m${text}\x1b[22m`;
}

/** A character list for humans: JSON-quoted so that newlines, spaces and control characters show. */
export function showChars(chars: readonly string[]): string {
  return chars.map((c) => JSON.stringify(c)).join(' ');
}
