import { createRequire } from 'node:module';
import { pino, type Logger, type Level } from 'pino';
import type * as PinoPretty from 'pino-pretty';
import type { Redactor } from './secrets.js';
import { PRODUCT_NAME } from './product-name.js';
import type { LogFormat } from './log-options.js';

export { LOG_FORMATS, LOG_LEVELS, type LogFormat } from './log-options.js';

/** How log lines look: JSON, or pretty (colours only where a terminal shows them). */
export type LogStyle = { kind: 'json' } | { kind: 'pretty'; colorize: boolean };

/** Resolves `--log-format` against the stream: auto = pretty on a terminal (NO_COLOR respected), JSON elsewhere. */
export function resolveLogStyle(format: LogFormat, isTty: boolean, env: { NO_COLOR?: string }): LogStyle {
  if (format === 'json' || (format === 'auto' && !isTty)) return { kind: 'json' };
  return { kind: 'pretty', colorize: isTty && !env.NO_COLOR };
}

/** Something lines can be written to (process.stderr, or a buffer in tests). */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * JSON-lines logger on stderr. Known secrets are replaced in every line before it is written,
 * and well-known secret fields are redacted by path, so no log line can carry one.
 */
export function createLogger(
  level: Level,
  redactor: Redactor,
  sink: LineSink = process.stderr,
  style: LogStyle = { kind: 'json' },
): Logger {
  // Synchronous, in-process formatting (no transport worker), so the redactor still sees every line.
  const prettify =
    style.kind === 'pretty'
      ? loadPrettyFactory()({ colorize: style.colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })
      : undefined;
  return pino(
    {
      level,
      base: { name: PRODUCT_NAME },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'routing_key',
          '*.routing_key',
          'password',
          '*.password',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'access_token',
          '*.access_token',
        ],
        censor: '[REDACTED]',
      },
    },
    {
      write: (line: string) => {
        const safe = redactor.apply(line);
        sink.write(prettify ? redactor.apply(prettify(safe)) : safe);
      },
    },
  );
}

/**
 * pino-pretty and what it pulls in (colorette, dateformat, fast-copy, …) are loaded only when a
 * person reads the logs: a cron run logging JSON never pays their start-up time and memory. A
 * synchronous require (pino-pretty is CommonJS) keeps createLogger synchronous.
 */
function loadPrettyFactory(): typeof PinoPretty.prettyFactory {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty.prettyFactory;
}

/** A small two-column table for a person (after pretty logs): label, value. */
export function formatKeyValueTable(title: string, rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return `${[title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n')}\n`;
}
