import type { Command } from 'commander';
import { Option } from 'commander';
import { nextProbs } from '../rnn/generate.ts';
import { loadModel, print, printJson, showChars } from './io.ts';
import { initOption, jsonOption, parseWhole, snapshotOption, tempOption } from './options.ts';

interface ProbsOpts {
  prompt: string;
  temp: number;
  init: 'warm' | 'zero';
  snapshot?: string;
  json?: boolean;
  top: number;
}

/** `bard probs`: the model's next-character distribution after a prompt. */
export function register(program: Command): void {
  program
    .command('probs')
    .description('print the next-character distribution p = softmax(y/T) after reading a prompt')
    .requiredOption('--prompt <text>', 'text read before the prediction (normalised like complete\'s; may be empty)')
    .addOption(tempOption())
    .addOption(initOption())
    .addOption(snapshotOption())
    .addOption(jsonOption('{"vocab": "<chars in index order>", "probs": [one number per vocabulary character]}'))
    .addOption(
      new Option('--top <N>', 'without --json: how many of the likeliest characters to list')
        .argParser((raw: string) => parseWhole(raw, 1, 10_000, 'the number of rows'))
        .default(10),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ bard probs --prompt "ROMEO:" --top 5
  $ bard probs --prompt "the" --temp 0.5 --init zero --json
`,
    )
    .action((opts: ProbsOpts) => {
      const model = loadModel(opts.snapshot);
      const { probs, dropped } = nextProbs(model, opts.prompt, opts.temp, opts.init);
      if (dropped.length > 0) process.stderr.write(`bard probs: note: dropped from the prompt: ${showChars(dropped)}\n`);
      if (opts.json) {
        printJson({ vocab: model.vocab, probs: Array.from(probs) });
        return;
      }
      const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
      const rows = order.slice(0, opts.top).map((ix) => `${JSON.stringify(model.chars[ix]).padEnd(6)} ${probs[ix].toFixed(6)}`);
      print(`next character after ${JSON.stringify(opts.prompt)} (temp ${opts.temp}, ${opts.init} start):\n${rows.join('\n')}`);
    });
}
