import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { explainPair, ExplainError, renderExplanationChart, summarise, unescapeChars, type Explanation, type PairQuery } from '../explain/index.ts';
import type { Model } from '../rnn/model.ts';
import { UsageError } from './errors.ts';
import { loadModel, print, printJson, showChars } from './io.ts';
import { jsonOption, parseWhole, snapshotOption } from './options.ts';

interface WhyOpts {
  snapshot?: string;
  context?: string;
  json?: boolean;
  chart?: string;
  top: number;
}

interface WhyPairOpts extends WhyOpts {
  after: string;
  next: string;
}

const JSON_KEYS = '{"p_newline", "p_space", "context", "top_units": [{"unit", "activation", "contribution", "wxh_colon", "why_newline", "why_space", …}], "ablation": [{"units", "mode", "p_newline", "p_space", …}], "contrast", …}';

const contextOption = () =>
  new Option('--context <text>', "context to analyse instead of the default ones (\\n is a newline); the 'after' character is appended if it does not end with it");
const chartOption = () => new Option('--chart <file>', 'also write a PNG chart: the top units\' contributions and the ablation curve');
const topOption = () =>
  new Option('--top <N>', 'how many units to report (at least 10)').argParser((raw: string) => parseWhole(raw, 10, 10_000, 'the number of units')).default(10);

/** `bard why-colon` and `bard why`: explain from the weights why one character is followed by others. */
export function register(program: Command): void {
  program
    .command('why-colon')
    .description("explain, from the loaded model's weights, why ':' is followed by a newline or a space: attribution to hidden units, the weights by name, ablation, contrast")
    .addOption(snapshotOption())
    .addOption(contextOption())
    .addOption(jsonOption(JSON_KEYS))
    .addOption(chartOption())
    .addOption(topOption())
    .addHelpText('after', helpText('why-colon'))
    .action((opts: WhyOpts) => run(loadModel(opts.snapshot), { after: ':', next: '\n ' }, opts));

  program
    .command('why')
    .description('the same analysis for any pair: why CHAR is followed by one of CHARS')
    .requiredOption('--after <char>', 'the character read last (escapes: \\n newline, \\s space, \\t tab, \\\\ backslash)')
    .requiredOption('--next <chars>', 'the characters it is followed by (same escapes); those outside the vocabulary are left out')
    .addOption(snapshotOption())
    .addOption(contextOption())
    .addOption(jsonOption(`${JSON_KEYS}; wxh_colon, why_newline, why_space keep their literal meaning, wxh_after and why_next hold the pair's weights`))
    .addOption(chartOption())
    .addOption(topOption())
    .addHelpText('after', helpText('why'))
    .action((opts: WhyPairOpts) => {
      const after = unescapeChars(opts.after);
      const next = unescapeChars(opts.next);
      if ([...after].length !== 1) throw new UsageError(`--after must be one character, got ${JSON.stringify(opts.after)}`);
      if (next.length === 0) throw new UsageError('--next must name at least one character');
      run(loadModel(opts.snapshot), { after, next }, opts);
    });
}

function run(model: Model, pair: Pick<PairQuery, 'after' | 'next'>, opts: WhyOpts): void {
  let e: Explanation;
  try {
    e = explainPair(model, { ...pair, context: opts.context === undefined ? undefined : unescapeChars(opts.context), top: opts.top });
  } catch (err) {
    if (err instanceof ExplainError) throw new UsageError(err.message);
    throw err;
  }
  const notes: string[] = [];
  if (e.behaviour[0].dropped.length > 0) notes.push(`dropped from the context: ${showChars(e.behaviour[0].dropped)}`);
  if (e.next_dropped.length > 0) notes.push(`not in the vocabulary, left out of --next: ${showChars(e.next_dropped)}`);
  if (opts.chart) {
    const path = resolve(opts.chart);
    writeFileSync(path, renderExplanationChart(e));
    notes.push(`chart written to ${path}`);
  }
  if (opts.json) {
    for (const n of notes) process.stderr.write(`bard why: note: ${n}\n`);
    printJson(e as unknown as Record<string, unknown>);
    return;
  }
  print(summarise(e));
  if (notes.length > 0) print(`\n-- ${notes.join(' · ')}`);
}

function helpText(cmd: 'why' | 'why-colon'): string {
  const examples =
    cmd === 'why-colon'
      ? `  $ bard why-colon
  $ bard why-colon --context "MENENIUS:" --json
  $ bard why-colon --chart why-colon.png`
      : `  $ bard why --after q --next u
  $ bard why --after '\\n' --next ABCDEFGHIJKLMNOPQRSTUVWXYZ --json
  $ bard why --after , --next '\\s\\n' --context "Nay, stay," --chart comma.png`;
  return `
How it works: the context is read from the warm start. The logit difference "mean logit of the next
characters − mean logit of the others" splits exactly over the hidden units (h_j · w_j) plus a bias term;
units are ranked by the part that the last input itself causes (versus any other input from the same
state). For each top unit: its pre-activation Wxh + Whh·h_prev + bh and its Why weights, by index. Then the
top units are removed (set to 0, or to their mean over text the model writes itself) to check they matter.

Examples:
${examples}`;
}
