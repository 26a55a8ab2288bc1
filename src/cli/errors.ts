import { CommanderError } from 'commander';
import { TemperatureError } from '../rnn/softmax.ts';

/** Exit codes of every `bard` command: 0 done, 1 the work failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A bad command line that can only be detected after parsing (e.g. --to past the end of the file). Exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit code for an error: usage mistakes are 2, everything else (unreadable snapshot, I/O, bugs) is 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version asked for exit 0 (commander says so with exitCode 0); `bard` alone prints the help
    // as an error (exitCode 1), which is a usage mistake like every other parse error.
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof UsageError || err instanceof TemperatureError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/**
 * The one line printed on stderr for an error: "bard[ <command>]: error: <message>", newlines folded
 * so that scripts can read it, with a pointer to the help for usage errors.
 */
export function errorLine(err: unknown, command: string | undefined): string {
  const who = command ? `bard ${command}` : 'bard';
  let message = err instanceof Error ? err.message : String(err);
  message = message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
  let line = `${who}: error: ${message}`;
  if (exitCodeFor(err) === EXIT_USAGE) line += ` (see '${who} --help')`;
  return line;
}
