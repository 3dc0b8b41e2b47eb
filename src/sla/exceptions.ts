import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseTerminationInstant, zonedToEpochMs } from './termination.js';
import { plainIssueMessage } from '../parse/first-issue.js';

/** An approved, time-bound exception, validated, with the instant it ends. */
export interface ApprovedException {
  /** 0-based position in the file, for messages. */
  index: number;
  /** Identity id or name, matched exactly. */
  identity: string;
  /** Applications it covers; undefined = all of the identity's applications. */
  applications: string[] | undefined;
  /** `until` as written in the file. */
  until: string;
  /** The instant the exception stops holding: it holds while now < untilMs. */
  untilMs: number;
  reason: string;
  approvedBy: string;
  /** Stable short hash of the entry: the same approval is recognised from cycle to cycle. */
  fingerprint: string;
}

/** The furthest ahead an exception may run. */
export const MAX_EXCEPTION_DAYS = 366;
const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const entrySchema = z.strictObject({
  identity: text(1000),
  applications: z.array(text(1000)).min(1, 'must name at least one application (omit it to cover all applications)').optional(),
  until: z.string({ error: 'is required: a date such as 2026-12-31 or an ISO 8601 instant' }),
  reason: text(1000),
  approvedBy: text(320),
});

/**
 * Validates the parsed exceptions file against `nowMs`. Pure. Throws ConfigError
 * with one line naming the entry (0-based index and identity) and the key.
 */
export function parseExceptions(raw: unknown, nowMs: number, timeZone: string, name: string): ApprovedException[] {
  const fail = (where: string, message: string): never => {
    throw new ConfigError(`invalid exceptions file ${name}: ${where}${message}`);
  };
  if (!Array.isArray(raw)) return fail('', 'must be a JSON array of exceptions');
  return raw.map((entry: unknown, index): ApprovedException => {
    const identityName = isRecord(entry) && typeof entry.identity === 'string' ? ` (identity "${entry.identity.slice(0, 80)}")` : '';
    const where = (key: string): string => `entry [${index}]${identityName}${key ? ` key "${key}"` : ''}: `;
    const parsed = entrySchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (!issue) return fail(where(''), 'invalid');
      if (issue.code === 'unrecognized_keys') return fail(where(issue.keys[0] ?? ''), 'unknown key');
      const key = issue.path.map(String).join('.');
      return fail(where(key), issue.path.length === 0 ? 'must be an object' : plainIssueMessage(issue.message));
    }
    const value = parsed.data;
    const untilMs = parseUntil(value.until, nowMs, timeZone);
    if (typeof untilMs === 'string') return fail(where('until'), untilMs);
    const applications = value.applications === undefined ? undefined : [...new Set(value.applications)].sort();
    return {
      index,
      identity: value.identity,
      applications,
      until: value.until,
      untilMs,
      reason: value.reason,
      approvedBy: value.approvedBy,
      fingerprint: fingerprintOf([value.identity, applications ?? null, value.until, value.reason, value.approvedBy]),
    };
  });
}

/**
 * The instant an `until` ends, or why it is not acceptable. A date means "through that whole
 * day in `timeZone`": the exception ends at the following midnight there. A date-time without
 * offset is read in `timeZone` (as termination dates are).
 */
export function parseUntil(value: string, nowMs: number, timeZone: string): number | string {
  const trimmed = value.trim();
  const date = DATE.exec(trimmed);
  if (date) {
    const [y, m, d] = date.slice(1).map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return `"${value}" is not a calendar date`;
    const next = new Date(day.getTime() + DAY_MS);
    const untilMs = zonedToEpochMs(
      { y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate(), hh: 0, mm: 0, ss: 0, ms: 0 },
      timeZone,
    );
    // Days are counted on the calendar of the time zone: "366 days from today" is accepted whatever the hour.
    const today = calendarDayNumber(nowMs, timeZone);
    if (day.getTime() / DAY_MS - today > MAX_EXCEPTION_DAYS) return `"${value}" is more than ${MAX_EXCEPTION_DAYS} days ahead`;
    return untilMs;
  }
  const untilMs = DATE_TIME.test(trimmed) ? parseTerminationInstant(trimmed, timeZone) : undefined;
  if (untilMs === undefined) return `"${value}" is not a date (2026-12-31) or an ISO 8601 instant (2026-12-31T17:00:00Z)`;
  if (untilMs - nowMs > MAX_EXCEPTION_DAYS * DAY_MS) return `"${value}" is more than ${MAX_EXCEPTION_DAYS} days ahead`;
  return untilMs;
}

/** True while the exception holds at `nowMs`; from its `until` instant on, it has expired. */
export function exceptionHolds(exception: ApprovedException, nowMs: number): boolean {
  return nowMs < exception.untilMs;
}

/** The exceptions written for this identity (by id or by name, exactly). */
export function exceptionsForIdentity(
  exceptions: readonly ApprovedException[],
  identity: { id: string; name: string },
): ApprovedException[] {
  return exceptions.filter((exception) => exception.identity === identity.id || exception.identity === identity.name);
}

/** True when the exception names this application, or names none (all applications). */
export function exceptionCovers(exception: ApprovedException, application: string): boolean {
  return exception.applications === undefined || exception.applications.includes(application);
}

function calendarDayNumber(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(
    new Date(instantMs),
  );
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day')) / DAY_MS;
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
