import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout. Secrets never reach the output: fields named like a token are
 * redacted, and every finished line is scrubbed of the secrets' text (the bot token, wherever it hides:
 * an error message, a serialised request, a stack) and of interaction tokens in webhook and callback URLs.
 */
export function createLogger(name: string, level = 'info', secrets: string[] = []): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['token', '*.token', '*.*.token', 'discordToken', '*.discordToken', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
    hooks: { streamWrite: scrubber(secrets) },
  });
}

/** Webhook and interaction-callback URLs carry the interaction token (a 15-minute credential) in the path. */
const TOKEN_IN_PATH = /(\/(?:webhooks|interactions)\/\d{15,21}\/)[^/\s"'?\\]+/g;

/** A function that removes `secrets` (as written, and as JSON escapes them) and URL tokens from text. */
export function scrubber(secrets: string[]): (s: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length >= 8).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  return (s) => {
    let out = s;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join('[redacted]');
    return out.replace(TOKEN_IN_PATH, '$1[redacted]');
  };
}

/**
 * Last-resort handlers for a process: an uncaught error or rejection is logged (scrubbed, one line)
 * and the process exits 1, instead of Node printing a raw stack that may carry a secret.
 */
export function logFatalErrors(log: Logger): void {
  const die = (kind: string) => (e: unknown) => {
    log.fatal({ err: e instanceof Error ? { type: e.name, message: e.message, stack: e.stack } : String(e) }, kind);
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}

/** A logger that drops everything (for `play` and unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
