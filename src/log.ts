import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout. Tokens (the bot's and interactions') are redacted wherever
 * they appear as a field, so an error log never leaks a credential.
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['token', '*.token', '*.*.token', 'discordToken', '*.discordToken', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything (for `play` and unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
