import type { Identity } from './identity.js';

/**
 * Where a leaver stands in the source: `started` once the source shows the identity inactive
 * (IIQ refresh or ISC processing saw the termination), `not-started` while it still shows it active.
 */
export type LeaverStage = 'not-started' | 'started';

const DAY_MS = 86_400_000;

/** The config that decides who is a leaver besides those the source shows inactive. */
export interface LeaverRule {
  /** `leaver.notStartedLookbackDays`: how far back an active identity's termination may lie to be newly listed; 0 = not listed at all. */
  notStartedLookbackDays: number;
  /** `leaver.rehireDateAttribute`: an instant later than the termination and not later than now says "not a leaver". */
  rehireDateAttribute: string | undefined;
}

/** The rule when the config says nothing: a 30-day lookback, no rehire attribute. */
export const DEFAULT_LEAVER_RULE: LeaverRule = { notStartedLookbackDays: 30, rehireDateAttribute: undefined };

/** Why an identity is, or is not, a leaver: each verdict names its reason (for logs and tests). */
export type LeaverVerdict =
  | { leaver: true; stage: LeaverStage; reason: 'shown inactive' | 'termination past, not rehired' }
  | {
      leaver: false;
      reason: 'no termination instant' | 'termination in the future' | 'rehired after termination' | 'termination before the lookback';
    };

/** What the rule looks at: instants already parsed, `nowMs` passed in. */
export interface LeaverFacts {
  /** The source shows the identity inactive. */
  inactive: boolean;
  terminatedAtMs: number | undefined;
  rehiredAtMs: number | undefined;
  nowMs: number;
  /**
   * Days back a termination may lie; undefined = no limit. The lookback only limits which active
   * identities are newly listed: an open incident is followed however old its termination.
   */
  lookbackDays: number | undefined;
}

/**
 * Who is a leaver: an identity the source shows inactive, or one whose termination instant is
 * past without a rehire instant later than it and not later than now. Dates are compared here,
 * never by the source (IIQ keeps them as strings in site formats). Pure.
 */
export function evaluateLeaver(facts: LeaverFacts): LeaverVerdict {
  if (facts.inactive) return { leaver: true, stage: 'started', reason: 'shown inactive' };
  const { terminatedAtMs, rehiredAtMs, nowMs } = facts;
  if (terminatedAtMs === undefined) return { leaver: false, reason: 'no termination instant' };
  if (terminatedAtMs > nowMs) return { leaver: false, reason: 'termination in the future' };
  if (rehiredAtMs !== undefined && rehiredAtMs > terminatedAtMs && rehiredAtMs <= nowMs)
    return { leaver: false, reason: 'rehired after termination' };
  if (facts.lookbackDays !== undefined && terminatedAtMs < nowMs - facts.lookbackDays * DAY_MS)
    return { leaver: false, reason: 'termination before the lookback' };
  return { leaver: true, stage: 'not-started', reason: 'termination past, not rehired' };
}

/** evaluateLeaver over an identity's attributes, parsed like the termination date. */
export function evaluateLeaverOf(
  identity: Pick<Identity, 'inactive' | 'attributes'>,
  attributes: { terminationDateAttribute: string; timeZone: string },
  rule: LeaverRule,
  nowMs: number,
  options: { withLookback: boolean },
): LeaverVerdict {
  const read = (name: string | undefined): number | undefined =>
    name === undefined || !Object.hasOwn(identity.attributes, name)
      ? undefined
      : parseTerminationInstant(identity.attributes[name], attributes.timeZone);
  return evaluateLeaver({
    inactive: identity.inactive,
    terminatedAtMs: read(attributes.terminationDateAttribute),
    rehiredAtMs: read(rule.rehireDateAttribute),
    nowMs,
    lookbackDays: options.withLookback ? rule.notStartedLookbackDays : undefined,
  });
}

/**
 * Whether IIQ refreshed the identity after its termination: false without a refresh instant.
 * A refresh after termination that still left the identity active points at the refresh
 * itself (a rule, the Identity Processing Threshold), not at a task that never ran.
 */
export function refreshedSinceTermination(lastRefresh: string | null | undefined, terminationDate: string): boolean {
  if (typeof lastRefresh !== 'string') return false;
  const refreshedMs = Date.parse(lastRefresh);
  const terminatedMs = Date.parse(terminationDate);
  return Number.isFinite(refreshedMs) && Number.isFinite(terminatedMs) && refreshedMs > terminatedMs;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH_MS = /^\d{10,15}$/;
/** 9999-12-31T23:59:59.999Z: beyond it no date IIQ holds is meant (1e17 would crash toISOString). */
export const MAX_TERMINATION_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Parses an IIQ termination attribute into epoch milliseconds: ISO 8601 date-time
 * (a date-time without offset is local time in `timeZone`), ISO date (midnight in `timeZone`),
 * or epoch milliseconds as a number or digit string. Anything else, and any instant before
 * 1970 or after year 9999, is unparseable: undefined.
 */
export function parseTerminationInstant(value: unknown, timeZone: string): number | undefined {
  const instant = parseAnyInstant(value, timeZone);
  return instant !== undefined && instant > 0 && instant <= MAX_TERMINATION_MS ? instant : undefined;
}

function parseAnyInstant(value: unknown, timeZone: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.trunc(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (EPOCH_MS.test(text)) return Number(text);

  const date = ISO_DATE.exec(text);
  if (date) {
    const [y, m, d] = date.slice(1).map(Number) as [number, number, number];
    return isValidDate(y, m, d) ? zonedToEpochMs({ y, m, d, hh: 0, mm: 0, ss: 0, ms: 0 }, timeZone) : undefined;
  }

  const dateTime = ISO_DATE_TIME.exec(text);
  if (!dateTime) return undefined;
  const [y, m, d, hh, mm] = dateTime.slice(1, 6).map(Number) as [number, number, number, number, number];
  const ss = Number(dateTime[6] ?? 0);
  const ms = Number((dateTime[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (!isValidDate(y, m, d) || hh > 23 || mm > 59 || ss > 59) return undefined;
  const offset = dateTime[8];
  if (offset === undefined) return zonedToEpochMs({ y, m, d, hh, mm, ss, ms }, timeZone);
  const utc = Date.UTC(y, m - 1, d, hh, mm, ss, ms);
  if (offset.toUpperCase() === 'Z') return utc;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
  return utc - sign * offsetMinutes * 60_000;
}

/**
 * The instant a wall-clock time occurs in an IANA zone. In a DST gap (the time does not
 * exist) the result is the first instant after the gap; in an overlap, the earlier one.
 */
export function zonedToEpochMs(
  wall: { y: number; m: number; d: number; hh: number; mm: number; ss: number; ms: number },
  timeZone: string,
): number {
  const asUtc = Date.UTC(wall.y, wall.m - 1, wall.d, wall.hh, wall.mm, wall.ss, wall.ms);
  // Transitions are at least days apart, so the offsets a day either side bracket any one near here.
  const earlier = offsetMs(asUtc - DAY_MS, timeZone);
  const later = offsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [asUtc - earlier, asUtc - later].filter((instant) => instant + offsetMs(instant, timeZone) === asUtc);
  if (candidates.length > 0) return Math.min(...candidates);
  // A wall time in a DST gap never happens: shift it forward by the gap, like Temporal's "compatible".
  return asUtc - earlier;
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function offsetMs(instant: number, timeZone: string): number {
  // The default zone needs no formatter: loading the time-zone data costs about 8 MB of memory.
  if (timeZone === 'UTC') return 0;
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wallAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return wallAsUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

function isValidDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
