import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Model } from '../rnn/model.ts';
import { scoreSequence } from '../rnn/score.ts';
import { startState, type InitMode } from '../rnn/start.ts';
import { UsageError } from './errors.ts';
import { loadModel, print, printJson } from './io.ts';
import { initOption, jsonOption, parseWhole, snapshotOption } from './options.ts';

interface LossOpts {
  text: string;
  from: number;
  to?: number;
  init: InitMode;
  snapshot?: string;
  json?: boolean;
}

export interface TextLoss {
  /** Characters scored (targets). */
  chars: number;
  nats_per_char: number;
  bits_per_char: number;
  /** Characters of text[from..to) outside the vocabulary, left out of the stream. */
  skipped: number;
}

/**
 * Cross-entropy of text[from..to) under the model, read from the start state: text[from] is the
 * first input and every later character is scored, so [0, 1001) scores 1000 characters.
 * Indices count Unicode code points (= bytes for ASCII text). The text is not normalised: a
 * character outside the vocabulary is skipped, i.e. it is neither an input nor a target and the
 * hidden state carries over it, so its neighbours are scored as if they were adjacent.
 */
export function textLoss(model: Model, text: string, from: number, to: number | undefined, init: InitMode): TextLoss {
  const chars = /[\ud800-\udfff]/.test(text) ? Array.from(text) : text; // index by code point when it matters
  const end = to ?? chars.length;
  if (end > chars.length) throw new UsageError(`--to ${end} is past the end of the text (${chars.length} characters)`);
  if (from >= end) throw new UsageError(`--from ${from} must be smaller than --to ${end}`);
  const ixs: number[] = [];
  let skipped = 0;
  for (let i = from; i < end; i++) {
    const ix = model.charToIx.get(chars[i]);
    if (ix === undefined) skipped++;
    else ixs.push(ix);
  }
  if (ixs.length < 2) {
    throw new UsageError(`text[${from}..${end}) holds ${ixs.length} vocabulary character(s): at least 2 are needed to score one`);
  }
  const { nats, count } = scoreSequence(model.params, ixs, startState(model, init));
  const nats_per_char = nats / count;
  return { chars: count, nats_per_char, bits_per_char: nats_per_char / Math.LN2, skipped };
}

/** `bard loss`: how well the model predicts a text, in nats and bits per character. */
export function register(program: Command): void {
  const index = (what: string) => (raw: string) => parseWhole(raw, 0, Number.MAX_SAFE_INTEGER, what);
  program
    .command('loss')
    .description('score a text under the model: mean cross-entropy of each next character, in nats and bits')
    .requiredOption('--text <file>', 'UTF-8 text file to score (read as is, not normalised)')
    .addOption(new Option('--from <I>', 'first character read (index in code points)').argParser(index('--from')).default(0))
    .addOption(new Option('--to <J>', 'end of the range, exclusive (default: end of the file)').argParser(index('--to')))
    .addOption(initOption())
    .addOption(snapshotOption())
    .addOption(jsonOption('{"chars", "nats_per_char", "bits_per_char", "skipped"}'))
    .addHelpText(
      'after',
      `
text[I] is read from the start state and each later character of text[I..J) is scored, so
--from 0 --to 1001 scores 1000 characters. Characters outside the vocabulary are counted in
"skipped": they are neither input nor target and the hidden state carries over them.

Examples:
  $ bard loss --text input.txt --from 0 --to 1001
  $ bard loss --text input.txt --from 1003854 --json
`,
    )
    .action((opts: LossOpts) => {
      const model = loadModel(opts.snapshot);
      let text: string;
      try {
        text = readFileSync(opts.text, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const problem = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
        throw new Error(`cannot read --text ${opts.text}: ${problem}`);
      }
      const started = performance.now();
      const r = textLoss(model, text, opts.from, opts.to, opts.init);
      if (opts.json) {
        printJson({ chars: r.chars, nats_per_char: r.nats_per_char, bits_per_char: r.bits_per_char, skipped: r.skipped });
        return;
      }
      const seconds = (performance.now() - started) / 1000;
      print(
        `${opts.text} [${opts.from}..${opts.to ?? 'end'}): ${r.chars} characters scored, ` +
          `${r.nats_per_char.toFixed(4)} nats/char = ${r.bits_per_char.toFixed(4)} bits/char, ` +
          `${r.skipped} skipped (${opts.init} start, ${seconds.toFixed(1)} s)`,
      );
    });
}
