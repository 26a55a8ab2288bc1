import type { Command } from 'commander';
import { prime } from '../rnn/forward.ts';
import { sampleFrom } from '../rnn/generate.ts';
import { Rng, randomSeed } from '../rnn/rng.ts';
import { startState } from '../rnn/start.ts';
import { UsageError } from './errors.ts';
import { loadModel, print, printJson } from './io.ts';
import { initOption, jsonOption, lengthOption, seedOption, snapshotOption, tempOption, type SamplingOpts } from './options.ts';

interface SampleOpts extends SamplingOpts {
  start?: string;
}

/** `bard sample`: free-running samples (Part 1 of the seed: sampling at different temperatures). */
export function register(program: Command): void {
  program
    .command('sample')
    .description('sample text from the model with no prompt, optionally after one start character')
    .option('--start <char>', 'one vocabulary character fed to the model first, as min-char-rnn\'s sample(h, seed_ix, n); \\n means a newline (default: none, sample from the start state)')
    .addOption(tempOption())
    .addOption(lengthOption(300))
    .addOption(seedOption())
    .addOption(snapshotOption())
    .addOption(initOption())
    .addOption(jsonOption('{"start", "text", "temp", "seed"} (text excludes the start character)'))
    .addHelpText(
      'after',
      `
Examples:
  $ bard sample --temp 0.5 --length 200 --seed 7
  $ bard sample --start T --temp 2 --json
`,
    )
    .action((opts: SampleOpts) => {
      const model = loadModel(opts.snapshot);
      let h = startState(model, opts.init);
      // A newline is awkward to type in a shell, so the two characters \n stand for one.
      const start = opts.start === '\\n' ? '\n' : (opts.start ?? '');
      if (start !== '') {
        const ix = model.charToIx.get(start);
        if (ix === undefined) {
          throw new UsageError(`--start must be one character of the model's vocabulary, got ${JSON.stringify(start)} (vocabulary: ${JSON.stringify(model.vocab)})`);
        }
        h = prime(model.params, [ix], h);
      }
      const seed = opts.seed ?? randomSeed();
      const out = sampleFrom(model, h, opts.length, opts.temp, new Rng(seed));
      const text = model.decode(out.ixs);
      if (opts.json) {
        printJson({ start, text, temp: opts.temp, seed });
        return;
      }
      print(start + text);
      print(`\n-- seed ${seed} · temp ${opts.temp} · ${text.length} characters · ${opts.init} start (repeat with --seed ${seed})`);
    });
}
