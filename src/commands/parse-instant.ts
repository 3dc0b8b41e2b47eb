import { ConfigError } from '../errors.js';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** How a command-line instant may be written. */
export interface InstantSyntax {
  /** A bare date `YYYY-MM-DD` is also accepted, as midnight UTC (`report --since`). */
  allowDate?: boolean;
}

/**
 * Parses an instant given on the command line (`--now`, `--since`) into epoch milliseconds.
 * Calendar fields are checked, not left to Date.parse (which reads 2026-02-30 as March 2),
 * and a date-time must carry Z or an offset: without one it names no instant. Pure; throws
 * ConfigError (exit 2) with one line saying what is wrong.
 */
export function parseInstantArgument(flag: string, value: string, syntax: InstantSyntax = {}): number {
  const example = syntax.allowDate
    ? 'an ISO 8601 date or instant such as 2026-11-01 or 2026-11-01T00:00:00Z'
    : 'an ISO 8601 instant such as 2026-11-24T09:00:00Z';
  const fail = (why: string): never => {
    throw new ConfigError(`${flag} "${value}" is not ${example}: ${why}`);
  };
  const date = syntax.allowDate ? DATE.exec(value) : null;
  const match = date ?? DATE_TIME.exec(value);
  if (!match) {
    if (DATE.test(value)) fail('give a time and an offset too, e.g. T00:00:00Z');
    return fail('expected YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z or an offset like +01:00');
  }
  const field = (index: number): number => Number(match[index] ?? 0);
  const [y, m, d, hh, mm, ss] = [field(1), field(2), field(3), field(4), field(5), field(6)];
  const fraction = date ? '0' : (match[7] ?? '0');
  const offset = date ? 'Z' : match[8];
  if (offset === undefined) return fail('it has no offset; add Z for UTC or an offset like +01:00');
  if (y < 1970) fail('the year must be 1970 or later');
  if (m < 1 || m > 12) fail(`there is no month ${m}`);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) fail(`${MONTHS[m - 1] ?? ''} ${y} has ${daysInMonth} days`);
  if (hh > 23) fail(`there is no hour ${hh} (00 to 23)`);
  if (mm > 59) fail(`there is no minute ${mm} (00 to 59)`);
  if (ss > 59) fail(`there is no second ${ss} (00 to 59)`);
  const offsetMinutes = parseOffsetMinutes(offset);
  if (offsetMinutes === undefined) return fail(`the offset ${offset} is not one of -12:00 to +14:00`);
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  return Date.UTC(y, m - 1, d, hh, mm, ss, ms) - offsetMinutes * 60_000;
}

function parseOffsetMinutes(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (minutes > 59 || hours > 14) return undefined;
  const total = hours * 60 + minutes;
  if (offset.startsWith('-') ? total > 12 * 60 : total > 14 * 60) return undefined;
  return offset.startsWith('-') ? -total : total;
}
