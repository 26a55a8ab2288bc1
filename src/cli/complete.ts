import type { Command } from 'commander';
import { complete } from '../rnn/generate.ts';
import { randomSeed } from '../rnn/rng.ts';
import { bold, loadModel, print, printJson, showChars } from './io.ts';
import { initOption, jsonOption, lengthOption, seedOption, snapshotOption, tempOption, type SamplingOpts } from './options.ts';

interface CompleteOpts extends SamplingOpts {
  prompt: string;
}

/** `bard complete`: prime the RNN on a prompt, then sample its continuation. */
export function register(program: Command): void {
  program
    .command('complete')
    .description('continue a prompt: read it into the RNN, then sample the next characters one at a time')
    .requiredOption('--prompt <text>', 'text to continue; characters outside the vocabulary are normalised or dropped (reported), an empty prompt starts from the start state')
    .addOption(tempOption())
    .addOption(lengthOption(300))
    .addOption(seedOption())
    .addOption(snapshotOption())
    .addOption(initOption())
    .addOption(jsonOption('{"prompt", "continuation", "temp", "seed", "dropped"}'))
    .addHelpText(
      'after',
      `
Normalisation: CRLF -> LF, curly quotes and dashes -> ASCII, accents stripped (NFKD), a letter whose
case is missing from the vocabulary swaps case; anything else (emoji, control characters) is dropped.

Examples:
  $ bard complete --prompt "ROMEO:" --temp 0.8 --length 300
  $ bard complete --prompt "First Citizen:" --seed 42 --json
`,
    )
    .action((opts: CompleteOpts) => {
      const model = loadModel(opts.snapshot);
      const seed = opts.seed ?? randomSeed();
      const r = complete(model, { prompt: opts.prompt, temp: opts.temp, length: opts.length, seed, init: opts.init });
      if (opts.json) {
        printJson({ prompt: r.prompt, continuation: r.continuation, temp: r.temp, seed: r.seed, dropped: r.dropped });
        return;
      }
      print(bold(r.prompt) + r.continuation);
      const notes = [`seed ${r.seed}`, `temp ${r.temp}`, `${r.continuation.length} characters`, `${opts.init} start`];
      if (r.dropped.length > 0) notes.push(`dropped from the prompt: ${showChars(r.dropped)}`);
      print(`\n-- ${notes.join(' · ')} (repeat with --seed ${r.seed})`);
    });
}
