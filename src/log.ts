import { pino, type Logger, type Level } from 'pino';
import type { Redactor } from './secrets.js';

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Something lines can be written to (process.stderr, or a buffer in tests). */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * JSON-lines logger on stderr. Known secrets are replaced in every line before it is written,
 * and well-known secret fields are redacted by path, so no log line can carry one.
 */
export function createLogger(level: Level, redactor: Redactor, sink: LineSink = process.stderr): Logger {
  return pino(
    {
      level,
      base: { name: 'iiq-leaver-sla-watchdog' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['routing_key', '*.routing_key', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'access_token', '*.access_token'],
        censor: '[REDACTED]',
      },
    },
    { write: (line: string) => sink.write(redactor.apply(line)) },
  );
}
