import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorLine, exitCodeFor } from './errors.ts';
import { register as registerComplete } from './complete.ts';
import { register as registerSample } from './sample.ts';
import { register as registerProbs } from './probs.ts';
import { register as registerLoss } from './loss.ts';
import { register as registerWhy } from './why.ts';
import { register as registerTrain } from './train.ts';

// The `bard` command line. Every subcommand lives in its own module and adds itself with register(program).
// Errors never escape as stack traces: one line on stderr, exit 2 for usage mistakes, 1 for failures
// (see errors.ts); --debug adds the stack.

// A reader that stops early (`bard sample | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('bard')
  .description('Bard: a character-level vanilla RNN (min-char-rnn) that completes Shakespeare')
  .version(version)
  .option('--debug', 'print the stack trace of an error')
  // Settings below are copied into each subcommand when it is created, so they come before register().
  .exitOverride()
  .configureOutput({ outputError: () => {} }) // main prints the error itself, as one line
  .showSuggestionAfterError(true)
  .addHelpText(
    'after',
    `
Exit codes: 0 done, 1 failure (e.g. unreadable snapshot), 2 bad usage.

Examples:
  $ bard complete --prompt "ROMEO:" --temp 0.8 --length 300
  $ bard sample --temp 0.5 --seed 1
  $ bard probs --prompt "the" --json
  $ bard loss --text input.txt --from 0 --to 1001 --json
  $ bard <command> --help
`,
  );

registerComplete(program);
registerSample(program);
registerProbs(program);
registerLoss(program);
registerWhy(program);
registerTrain(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = exitCodeFor(err);
  // 'commander.help' is `bard` with no command: the help is already on stderr, nothing to add.
  if (code !== 0 && !(err instanceof CommanderError && err.code === 'commander.help')) {
    const command = program.commands.find((c) => process.argv.slice(2).includes(c.name()))?.name();
    process.stderr.write(errorLine(err, command) + '\n');
    if (process.argv.includes('--debug') && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  }
  process.exitCode = code;
}
