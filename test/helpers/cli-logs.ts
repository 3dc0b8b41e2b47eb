/**
 * Reading what the built CLI wrote: its stderr is pino JSON, one record a line, and its files
 * (audit log, dead letter, plans) are JSON lines. Tests assert on these records field by field.
 */
import { existsSync, readFileSync } from 'node:fs';

/** One JSON record as a test reads it. */
export type JsonRecord = Record<string, any>;

/** Every record of JSON-lines text (empty lines skipped); a line that is not JSON throws. */
export function jsonLines(text: string): JsonRecord[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonRecord);
}

/** The records of a JSON-lines file; none when the file does not exist. */
export function jsonLinesOfFile(path: string): JsonRecord[] {
  return existsSync(path) ? jsonLines(readFileSync(path, 'utf8')) : [];
}

/** The `summary` of the run's 'cycle summary' log record (any: tests read its counters); undefined when the run wrote none. */
export function summaryOf(stderr: string): any {
  return jsonLines(stderr).find((line) => line.msg === 'cycle summary')?.summary;
}

/** The log records at level error or fatal. */
export function errorLines(stderr: string): JsonRecord[] {
  return jsonLines(stderr).filter((line) => line.level === 'error' || line.level === 'fatal');
}

/** The JSON records of text that may mix in plain lines (a pretty log, a child's own output): those are skipped. */
export function jsonLinesSkippingText(text: string): JsonRecord[] {
  return text
    .trim()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JsonRecord];
      } catch {
        return [];
      }
    });
}

/** The first log record with this `msg`; undefined when there is none. */
export function logRecord(stderr: string, msg: string): JsonRecord | undefined {
  return jsonLines(stderr).find((line) => line.msg === msg);
}
