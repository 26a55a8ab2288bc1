import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { errorLine, exitCodeFor, UsageError } from '../../src/cli/errors.ts';
import { register as registerComplete } from '../../src/cli/complete.ts';
import { register as registerLoss } from '../../src/cli/loss.ts';
import { register as registerProbs } from '../../src/cli/probs.ts';
import { register as registerSample } from '../../src/cli/sample.ts';
import { TemperatureError } from '../../src/rnn/softmax.ts';
import { SnapshotError } from '../../src/snapshot/index.ts';

// The option parsing of every command, in-process (spawning the bin costs ~0.5 s a run; cli.test.ts does a few).

/** Parses argv with the real commands but no action run, and returns the CommanderError (or null). */
function commands(): Command {
  const program = new Command('bard').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  registerComplete(program);
  registerSample(program);
  registerProbs(program);
  registerLoss(program);
  return program;
}

function parseError(argv: string[]): CommanderError | null {
  const program = commands();
  for (const cmd of program.commands) cmd.action(() => {});
  try {
    program.parse(argv, { from: 'user' });
    return null;
  } catch (err) {
    if (err instanceof CommanderError) return err;
    throw err;
  }
}

describe('bard option validation', () => {
  it.each([
    [['complete', '--prompt', 'x', '--temp', '0.04'], /between 0\.05 and 5/],
    [['complete', '--prompt', 'x', '--temp', 'hot'], /not a number/],
    [['complete', '--prompt', 'x', '--length', '-1'], /length must be a whole number from 0 to 10000/],
    [['complete', '--prompt', 'x', '--length', '10001'], /from 0 to 10000/],
    [['complete', '--prompt', 'x', '--seed', '1.5'], /seed must be a whole number/],
    [['complete', '--prompt', 'x', '--init', 'cold'], /warm, zero/],
    [['complete'], /--prompt/],
    [['sample', '--length', 'ten'], /not a number/],
    [['loss', '--text', 'f', '--from', '-2'], /whole number/],
    [['loss'], /--text/],
    [['frobnicate'], /unknown command/],
  ])('%j is a usage error (exit 2)', (argv, message) => {
    const err = parseError(argv);
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(message);
    expect(exitCodeFor(err)).toBe(2);
    expect(errorLine(err, argv[0])).not.toContain('\n');
  });

  it('accepts the documented forms', () => {
    expect(parseError(['complete', '--prompt', '', '--temp', '0.05', '--length', '0', '--seed', '4294967295', '--init', 'zero', '--json'])).toBeNull();
    expect(parseError(['complete', '--prompt', 'x', '--temp', '5'])).toBeNull();
    expect(parseError(['loss', '--text', 'f', '--from', '0', '--to', '1001'])).toBeNull();
  });
});

describe('bard help', () => {
  it.each([
    ['complete', ['--prompt', '--temp', '--length', '--seed', '--snapshot', '--init', '--json']],
    ['sample', ['--start', '--temp', '--length', '--seed', '--snapshot', '--init', '--json']],
    ['probs', ['--prompt', '--temp', '--init', '--snapshot', '--json']],
    ['loss', ['--text', '--from', '--to', '--init', '--snapshot', '--json']],
  ])('%s documents every option and shows an example', (name, options) => {
    const cmd = commands().commands.find((c) => c.name() === name)!;
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    for (const opt of options) expect(help).toContain(opt);
    for (const opt of cmd.options) expect(opt.description.length, opt.flags).toBeGreaterThan(10);
    expect(help).toMatch(new RegExp(`Examples:\\n  \\$ bard ${name} `));
  });
});

describe('exit codes and error lines', () => {
  it('maps usage mistakes to 2, help to 0 and everything else to 1', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new TemperatureError('x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.help', '(outputHelp)'))).toBe(0); // bard help complete
    expect(exitCodeFor(new CommanderError(1, 'commander.help', '(outputHelp)'))).toBe(2); // bard alone
    expect(exitCodeFor(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
    expect(exitCodeFor(new SnapshotError('a.npz', 'missing key Wxh'))).toBe(1);
    expect(exitCodeFor(new Error('disk on fire'))).toBe(1);
  });

  it('folds a message to one line naming the command, with a pointer to help for usage errors', () => {
    const usage = new CommanderError(1, 'commander.unknownOption', "error: unknown option '--tmp'\n(Did you mean --temp?)");
    expect(errorLine(usage, 'complete')).toBe("bard complete: error: unknown option '--tmp' (Did you mean --temp?) (see 'bard complete --help')");
    expect(errorLine(new SnapshotError('a.npz', 'not a zip file'), undefined)).toBe('bard: error: a.npz: not a zip file');
  });
});
