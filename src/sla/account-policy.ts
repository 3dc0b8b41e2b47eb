import type { Account } from './identity.js';
import type { Severity } from './incident.js';
import { severityFor, summarizeAccounts, type AccountSummary, type SlaAssessment } from './policy.js';
import { isEscalation } from './renotify.js';
import { HOUR_MS } from './time-units.js';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseTerminationInstant, zonedToEpochMs } from './leaver.js';
import { plainIssueMessage } from '../parse/first-issue.js';

/** Which accounts count toward a breach beyond the tier SLA: per-application grace and approved exceptions. */
export interface AccountPolicy {
  /** Per-application SLA hours from termination (`applicationSlaHours`), replacing the tier's. */
  applicationSlaHours: Readonly<Record<string, number>>;
  exceptions: readonly ApprovedException[];
}

/** What the policy made of one identity's accounts (pure facts for the decision and the audit). */
/** The account read for one identity: only `observed` and `identity-gone` are complete, fresh facts. */
export type AccountsObservation =
  | { kind: 'not-fetched' }
  | ({ kind: 'observed' } & AccountSummary & { policy: AccountVerdict })
  | { kind: 'identity-gone' }
  | { kind: 'failed'; error: string };

export interface AccountVerdict {
  /** Past the SLA of the tier or of at least one of its (non-excluded) accounts, whatever their status. */
  pastSla: boolean;
  /** The worst severity of a counting account: undefined when none counts. */
  severity: Severity | undefined;
  /** SLA and deadline of the counting account due first (the tier's when none counts). */
  slaHours: number;
  slaDeadlineMs: number;
  /** The application whose own SLA (applicationSlaHours) sets that deadline; undefined = the tier's. */
  slaApplication: string | undefined;
  /** Enabled (or unknown) accounts not yet past their own SLA and not excepted. */
  withinGraceApplications: string[];
  /** Enabled (or unknown) accounts a holding exception covers. */
  exceptedApplications: string[];
  /** Holding exceptions that keep an overdue account from counting: they change what is paged. */
  applied: { exception: ApprovedException; applications: string[] }[];
  /** A counting account was kept from counting by an exception that has since expired. */
  exceptionExpired: boolean;
  /** Set when no account counts but some are still enabled (excepted, or within their grace). */
  /** Why an open incident with no counting account left resolves, when it is not simply "accounts disabled". */
  quietReason: 'exception approved' | 'within application grace' | undefined;
}

/**
 * Splits an identity's accounts: excluded ones never count; an account a holding
 * exception covers never counts; an enabled (or unknown, which is not disabled) account counts
 * once past its application's own SLA, else its tier's. Pure.
 */
export function evaluateAccounts(
  accounts: readonly Account[],
  /** What evaluating needs besides the accounts. */
  input: {
    identity: { id: string; name: string };
    assessment: Pick<SlaAssessment, 'slaHours' | 'terminatedAtMs' | 'elapsedMs' | 'severity'>;
    policy: AccountPolicy;
    excludedApplications: ReadonlySet<string>;
    nowMs: number;
  },
): { counting: Account[]; verdict: AccountVerdict } {
  const { assessment, policy } = input;
  // The exceptions written for this identity (by id or by name, exactly).
  const exceptions = policy.exceptions.filter(
    (exception) => exception.identity === input.identity.id || exception.identity === input.identity.name,
  );
  const holding = exceptions.filter((exception) => exceptionHolds(exception, input.nowMs));
  const expired = exceptions.filter((exception) => !exceptionHolds(exception, input.nowMs));
  const counting: Account[] = [];
  const withinGrace = new Set<string>();
  const excepted = new Set<string>();
  const applied = new Map<string, AccountVerdict['applied'][number]>();
  let pastSla = assessment.severity !== undefined;
  let severity: Severity | undefined;
  let earliestSlaHours: number | undefined;
  let slaApplication: string | undefined;
  let overdueExcepted = false;
  let notDueOwnSla = false;
  let exceptionExpired = false;

  for (const account of accounts) {
    const { application } = account;
    if (input.excludedApplications.has(application)) continue;
    // Its application's own SLA, else its identity's tier's.
    const slaHours =
      (Object.hasOwn(policy.applicationSlaHours, application) ? policy.applicationSlaHours[application] : undefined) ?? assessment.slaHours;
    const accountSeverity = severityFor(assessment.elapsedMs, slaHours);
    // A disabled account past its SLA still means the identity is past an SLA (a remediated breach, not a moved date).
    if (accountSeverity) pastSla = true;
    if (account.status === 'disabled') continue;
    if (!accountSeverity && slaHours !== assessment.slaHours) notDueOwnSla = true;
    const covering = holding.filter((exception) => exceptionCovers(exception, application));
    if (covering.length > 0) {
      excepted.add(application);
      if (accountSeverity) {
        overdueExcepted = true;
        for (const exception of covering) {
          const entry = applied.get(exception.fingerprint) ?? { exception, applications: [] };
          if (!entry.applications.includes(application)) entry.applications.push(application);
          applied.set(exception.fingerprint, entry);
        }
      }
      continue;
    }
    if (!accountSeverity) {
      withinGrace.add(application);
      continue;
    }
    counting.push(account);
    if (!severity || isEscalation(accountSeverity, severity)) severity = accountSeverity;
    if (earliestSlaHours === undefined || slaHours < earliestSlaHours) {
      earliestSlaHours = slaHours;
      slaApplication = Object.hasOwn(policy.applicationSlaHours, application) ? application : undefined;
    }
    const deadlineMs = assessment.terminatedAtMs + slaHours * HOUR_MS;
    // Only an exception that held while this account was overdue ever kept it from paging.
    if (expired.some((exception) => exceptionCovers(exception, application) && exception.untilMs > deadlineMs)) exceptionExpired = true;
  }

  const effectiveSlaHours = earliestSlaHours ?? assessment.slaHours;
  const countingApplications = new Set(counting.map((account) => account.application));
  // Accounts only within their tier SLA (an application with a shorter SLA paged first) are not "grace".
  const quietReason: AccountVerdict['quietReason'] =
    counting.length > 0
      ? undefined
      : overdueExcepted
        ? 'exception approved'
        : notDueOwnSla
          ? 'within application grace'
          : excepted.size > 0
            ? 'exception approved'
            : undefined;
  return {
    counting,
    verdict: {
      pastSla,
      severity,
      slaHours: effectiveSlaHours,
      slaDeadlineMs: assessment.terminatedAtMs + effectiveSlaHours * HOUR_MS,
      slaApplication,
      // An application with one overdue account is active, even if another of its accounts is within grace.
      withinGraceApplications: [...withinGrace].filter((application) => !countingApplications.has(application)).sort(),
      exceptedApplications: [...excepted].sort(),
      applied: [...applied.values()].map((entry) => ({ ...entry, applications: entry.applications.sort() })),
      exceptionExpired,
      quietReason,
    },
  };
}

/** True once the identity's accounts must be read: past its tier SLA, or past an application's shorter own SLA. */
export function pastEarliestSla(assessment: Pick<SlaAssessment, 'severity' | 'slaHours' | 'elapsedMs'>, policy: AccountPolicy): boolean {
  if (assessment.severity) return true;
  // The shortest SLA any of its accounts can have: an application's shorter SLA makes the identity due earlier.
  return severityFor(assessment.elapsedMs, Math.min(assessment.slaHours, ...Object.values(policy.applicationSlaHours))) !== undefined;
}

/** The observation of an identity's accounts under the policy: counts of the counting accounts, and the verdict. */
export function observeAccountsUnderPolicy(
  accounts: readonly Account[],
  input: Parameters<typeof evaluateAccounts>[1],
): AccountsObservation {
  const { counting, verdict } = evaluateAccounts(accounts, input);
  return { kind: 'observed', ...summarizeAccounts(counting, input.excludedApplications), policy: verdict };
}

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
