import type { Account } from './identity.js';
import { exceptionCovers, exceptionHolds, exceptionsForIdentity, type ApprovedException } from './exceptions.js';
import { accountSlaHours, earliestSlaHours as earliestSlaHoursOf, type ApplicationSlaHours } from './grace.js';
import type { Severity } from './incident.js';
import { severityFor, summarizeAccounts, type AccountSummary, type SlaAssessment } from './policy.js';
import { isEscalation } from './renotify.js';
import { HOUR_MS } from './time-units.js';

/** Which accounts count toward a breach beyond the tier SLA: per-application grace and approved exceptions. */
export interface AccountPolicy {
  applicationSlaHours: ApplicationSlaHours;
  exceptions: readonly ApprovedException[];
}

/** A holding exception that keeps overdue accounts from counting, and their applications. */
export interface AppliedException {
  exception: ApprovedException;
  applications: string[];
}

/** Why an open incident with no counting account left resolves, when it is not simply "accounts disabled". */
export type QuietReason = 'exception approved' | 'within application grace';

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
  applied: AppliedException[];
  /** A counting account was kept from counting by an exception that has since expired. */
  exceptionExpired: boolean;
  /** Set when no account counts but some are still enabled (excepted, or within their grace). */
  quietReason: QuietReason | undefined;
}

/** What evaluating needs besides the accounts. */
export interface EvaluateInput {
  identity: { id: string; name: string };
  assessment: Pick<SlaAssessment, 'slaHours' | 'terminatedAtMs' | 'elapsedMs' | 'severity'>;
  policy: AccountPolicy;
  excludedApplications: ReadonlySet<string>;
  nowMs: number;
}

/**
 * Splits an identity's accounts: excluded ones never count; an account a holding
 * exception covers never counts; an enabled (or unknown, which is not disabled) account counts
 * once past its application's own SLA, else its tier's. Pure.
 */
export function evaluateAccounts(accounts: readonly Account[], input: EvaluateInput): { counting: Account[]; verdict: AccountVerdict } {
  const { assessment, policy } = input;
  const exceptions = exceptionsForIdentity(policy.exceptions, input.identity);
  const holding = exceptions.filter((exception) => exceptionHolds(exception, input.nowMs));
  const expired = exceptions.filter((exception) => !exceptionHolds(exception, input.nowMs));
  const counting: Account[] = [];
  const withinGrace = new Set<string>();
  const excepted = new Set<string>();
  const applied = new Map<string, AppliedException>();
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
    const slaHours = accountSlaHours(application, assessment.slaHours, policy.applicationSlaHours);
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
  const quietReason: QuietReason | undefined =
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
  return severityFor(assessment.elapsedMs, earliestSlaHoursOf(assessment.slaHours, policy.applicationSlaHours)) !== undefined;
}

/** The observation of an identity's accounts under the policy: counts of the counting accounts, and the verdict. */
export function observeAccountsUnderPolicy(accounts: readonly Account[], input: EvaluateInput): AccountsObservation {
  const { counting, verdict } = evaluateAccounts(accounts, input);
  return { kind: 'observed', ...summarizeAccounts(counting, input.excludedApplications), policy: verdict };
}
