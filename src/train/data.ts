import { createHash } from 'node:crypto';

/**
 * The training text, its vocabulary and its split.
 * The file's characters [from, to) are used; the last `valSplit` of them are held out for validation
 * (tinyshakespeare with the default 0.1: training 0..1,003,854, validation 1,003,854..end, as nanoGPT).
 * Vocabulary = the sorted distinct characters of the training range; validation characters outside
 * it are skipped when scoring (and counted).
 */
export interface Corpus {
  /** Characters in index order. */
  chars: string[];
  charToIx: Map<string, number>;
  train: Int32Array;
  /** Validation indices; out-of-vocabulary characters are left out (see valSkipped). */
  val: Int32Array;
  valSkipped: number;
  split: { from: number; trainEnd: number; to: number };
  /** sha256 of the used range and its split, so a resume can refuse different data. */
  fingerprint: string;
}

export interface SplitOptions {
  from?: number;
  to?: number;
  valSplit?: number;
  /** An explicit split point (a resumed run uses its checkpoint's); overrides valSplit. */
  trainEnd?: number;
}

export class DataError extends Error {}

/** Splits a string into characters (code points), so a surrogate pair is one character. */
function toChars(s: string): string[] {
  return Array.from(s);
}

export function makeCorpus(text: string, opts: SplitOptions = {}): Corpus {
  const all = toChars(text);
  const from = opts.from ?? 0;
  const to = opts.to ?? all.length;
  const valSplit = opts.valSplit ?? 0.1;
  if (!Number.isInteger(from) || from < 0 || from > all.length) throw new DataError(`--from must be in [0, ${all.length}], got ${from}`);
  if (!Number.isInteger(to) || to <= from || to > all.length) throw new DataError(`--to must be in (${from}, ${all.length}], got ${to}`);
  if (!(valSplit >= 0 && valSplit < 1)) throw new DataError(`--val-split must be in [0, 1), got ${valSplit}`);
  const trainEnd = opts.trainEnd ?? from + Math.floor((to - from) * (1 - valSplit));
  if (!Number.isInteger(trainEnd) || trainEnd <= from || trainEnd > to) throw new DataError(`the split point must be in (${from}, ${to}], got ${trainEnd}`);
  const trainChars = all.slice(from, trainEnd);
  if (trainChars.length < 2) throw new DataError(`the training range holds ${trainChars.length} characters; at least 2 are needed`);
  const chars = [...new Set(trainChars)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const charToIx = new Map(chars.map((c, i) => [c, i]));
  const train = Int32Array.from(trainChars, (c) => charToIx.get(c)!);
  const valIx: number[] = [];
  let valSkipped = 0;
  for (let i = trainEnd; i < to; i++) {
    const ix = charToIx.get(all[i]);
    if (ix === undefined) valSkipped++;
    else valIx.push(ix);
  }
  const fingerprint = createHash('sha256').update(all.slice(from, to).join('')).update(`|${from}|${trainEnd}|${to}`).digest('hex');
  return { chars, charToIx, train, val: Int32Array.from(valIx), valSkipped, split: { from, trainEnd, to }, fingerprint };
}
