import type { Level } from 'pino';

// Apart from log.ts so that the command line can declare its options without loading pino.
export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** `--log-format`: JSON lines (cron, pipes, tests), pretty lines for a person, or pretty only on a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
