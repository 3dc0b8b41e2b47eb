import type { Identity } from './identity.js';
import { pastEarliestSla, type AccountPolicy, type AccountsObservation } from './account-policy.js';
import type { OpenIncident } from './incident.js';
import { assessIdentity, severityFor, type SlaAssessment, type SlaPolicy } from './policy.js';
import { HOUR_MS } from './time-units.js';
import type { LeaverVerdict } from './leaver.js';
import { hash32 } from '../string-hash.js';

/**
 * Pure: where a leaver stands against its SLA. While an incident is open, a termination attribute
 * that disappears or becomes unparseable (an HR glitch) is not a remediation: the incident keeps
 * the instant it was opened with. Only a valid instant (one now in the future included) replaces it.
 */
export function assessLeaver(
  identity: Identity,
  policy: SlaPolicy,
  input: {
    /** When the identity was first seen inactive (the cycle's instant when never). */
    firstSeenMs: number;
    /** The identity's open incident, if any. */
    openIncident: OpenIncident | undefined;
    nowMs: number;
  },
): SlaAssessment {
  const assessment = assessIdentity(identity, policy, input.firstSeenMs, input.nowMs);
  const incident = input.openIncident;
  if (assessment.terminationSource === 'attribute' || incident === undefined) return assessment;
  const openedWithMs = Date.parse(incident.terminationDate);
  if (!Number.isFinite(openedWithMs) || openedWithMs === assessment.terminatedAtMs) return assessment;
  const elapsedMs = input.nowMs - openedWithMs;
  return {
    ...assessment,
    terminatedAtMs: openedWithMs,
    terminationSource: incident.terminationSource,
    slaDeadlineMs: openedWithMs + assessment.slaHours * HOUR_MS,
    elapsedMs,
    severity: severityFor(elapsedMs, assessment.slaHours),
  };
}

/**
 * What to do with one identity the source listed (or looked up), with one named reason: why its
 * accounts are not read (skip), why they are read this cycle (read), or why it goes to the
 * decision without a read (decided).
 * `rechecksVerification`: the read re-checks an identity verified clean (counted apart).
 * `keepVerification`: the verification to carry into the next cycle's state when nothing is read.
 */
export type ReadPlan =
  | {
      kind: 'skip';
      reason: 'not a leaver' | 'not past SLA' | 'listing shows nothing enabled' | 'verified clean, re-check not due';
      keepVerification: CleanVerification | undefined;
    }
  | {
      kind: 'read';
      reason: 'first read' | Exclude<ReadReason, 'not verified clean'>;
      rechecksVerification: boolean;
      verification: CleanVerification | undefined;
    }
  | { kind: 'decided'; reason: 'no longer a leaver' };

/** Everything planning one identity looks at; nothing else is read. */
export interface ReadPlanInput {
  identityId: string;
  /** Whether the identity is a leaver (shown inactive, or active with a past termination and no later rehire), and why. */
  leaver: LeaverVerdict;
  assessment: Pick<SlaAssessment, 'severity' | 'slaHours' | 'elapsedMs' | 'terminatedAtMs' | 'tier'>;
  openIncident: OpenIncident | undefined;
  /** The identity's verification from earlier cycles, if one still holds. */
  verification: CleanVerification | undefined;
  /** Applications the listing shows not disabled; undefined = the listing does not say. */
  listedNotDisabledApplications: readonly string[] | undefined;
  excludedApplications: ReadonlySet<string>;
  accountPolicy: AccountPolicy;
  /** `leaver.recheckCleanHours`; 0 = read every identity past SLA every cycle. */
  recheckCleanHours: number;
  nowMs: number;
  /**
   * The source reports that one of the identity's accounts changed since the last cycle: read it
   * whatever its verification says. Absent = the source cannot say.
   */
  ownsChangedAccount?: boolean;
}

const RECHECK_REASONS: ReadonlySet<string> = new Set(['re-check due', 'termination instant changed', 'tier changed']);

/**
 * Pure: skip one identity, read its accounts, or hand it to the decision as it is. A leaver the
 * source still shows active (not started) is planned like any other; an identity that is no
 * longer a leaver needs no read (its incident resolves on that alone, and without an incident
 * there is nothing to decide); one not yet past any SLA and
 * without an incident is not read; a listing that shows nothing enabled spares the read only
 * where nothing would be decided on it (it lags, so an open incident is read afresh); a
 * verified-clean identity is read again only when its re-check falls due or what it was verified
 * under changed.
 */
export function planRead(input: ReadPlanInput): ReadPlan {
  const hasIncident = input.openIncident !== undefined;
  if (!input.leaver.leaver) {
    return hasIncident
      ? { kind: 'decided', reason: 'no longer a leaver' }
      : { kind: 'skip', reason: 'not a leaver', keepVerification: undefined };
  }
  if (!hasIncident && !pastEarliestSla(input.assessment, input.accountPolicy)) {
    return { kind: 'skip', reason: 'not past SLA', keepVerification: undefined };
  }
  const changed = input.ownsChangedAccount === true;
  const listed = input.listedNotDisabledApplications;
  if (!hasIncident && listed?.every((application) => input.excludedApplications.has(application))) {
    // The listing lags; a changed account is fresher news than the document that says nothing is enabled.
    return changed
      ? { kind: 'read', reason: 'account changed', rechecksVerification: false, verification: undefined }
      : { kind: 'skip', reason: 'listing shows nothing enabled', keepVerification: undefined };
  }
  // A verification is made only under the tier SLA; one past only an application's earlier SLA is read every cycle.
  const verification = input.assessment.severity ? input.verification : undefined;
  const recheck = decideRecheck({
    identityId: input.identityId,
    verification,
    terminatedAtMs: input.assessment.terminatedAtMs,
    tier: input.assessment.tier,
    hasOpenIncident: hasIncident,
    nowMs: input.nowMs,
    recheckCleanHours: input.recheckCleanHours,
    ownsChangedAccount: changed,
  });
  if (!recheck.read) return { kind: 'skip', reason: 'verified clean, re-check not due', keepVerification: verification };
  const reason = recheck.reason === 'not verified clean' ? 'first read' : recheck.reason;
  return { kind: 'read', reason, rechecksVerification: RECHECK_REASONS.has(recheck.reason), verification };
}

/**
 * Clean: nothing enabled and nothing unknown at all. An account within its grace or under an
 * exception will page when that ends, so such an identity is not clean.
 */
export function isClean(accounts: AccountsObservation): boolean {
  return (
    accounts.kind === 'observed' &&
    accounts.activeAccountCount === 0 &&
    accounts.unknownAccountCount === 0 &&
    accounts.policy.withinGraceApplications.length === 0 &&
    accounts.policy.exceptedApplications.length === 0
  );
}

/**
 * Pure: the verification to keep after a read. A clean read past the tier SLA verifies the identity
 * now; a failed read keeps the one it had (nothing was learnt) unless an account of the identity
 * changed, which the next cycle must then read; anything else keeps none.
 */
export function verificationAfterRead(input: {
  accounts: AccountsObservation;
  assessment: Pick<SlaAssessment, 'severity' | 'terminatedAtMs' | 'tier'>;
  /** The verification the read was planned with. */
  previous: CleanVerification | undefined;
  recheckCleanHours: number;
  nowMs: number;
  /** The read was made because one of the identity's accounts changed. */
  ownsChangedAccount?: boolean;
}): CleanVerification | undefined {
  const { accounts, assessment } = input;
  if (accounts.kind === 'failed') return input.ownsChangedAccount === true ? undefined : input.previous;
  if (isClean(accounts) && assessment.severity && input.recheckCleanHours > 0 && Number.isFinite(assessment.terminatedAtMs)) {
    return verifiedNow(input.nowMs, assessment.terminatedAtMs, assessment.tier);
  }
  return undefined;
}

/** Whether an observation goes to the decision: anything but a clean read of an identity without an incident. */
export function needsDecision(accounts: AccountsObservation, hasOpenIncident: boolean): boolean {
  return hasOpenIncident || !isClean(accounts);
}

/** The counts one observation pass reports (the summary's source-side numbers). */
export interface ObserveStats {
  /** Inactive identities the listing returned. */
  inactiveListed: number;
  /** Leavers the source still shows active (termination past, within the lookback, not rehired) the not-started listing returned. */
  notStartedListed: number;
  /** Leavers (inactive or not started) past their tier SLA (listed or looked up). */
  pastSla: number;
  /** Account reads that returned (accounts, or the identity gone). */
  accountsFetched: number;
  accountReadFailures: number;
  /** Open incidents whose identity the complete listing lacked, looked up on their own. */
  identitiesLookedUp: number;
  /** Accounts of unknown status seen outside excluded applications. */
  unknownStatusAccounts: number;
  /** Identities past SLA skipped as verified clean, re-check not due. */
  verifiedCleanSkipped: number;
  /** Verified-clean identities read again (re-check due, or what they were verified under changed). */
  verifiedCleanRechecked: number;
  /** Identities read only because they own an account the source changed since the watermark. */
  accountChangedReads: number;
}

/** What happened to one identity in a pass: how it came, what was planned, what the read found. */
export type ObserveOutcome =
  | {
      kind: 'planned';
      via: 'listing' | 'not-started' | 'lookup';
      inactive: boolean;
      /** A leaver the source still shows active. */
      notStarted: boolean;
      pastSla: boolean;
      plan: ReadPlan;
      /** The read's result, when the plan was to read. */
      accounts: AccountsObservation | undefined;
    }
  /** An unlisted open incident's identity looked up on its own (whatever the lookup found). */
  | { kind: 'looked-up' };

/** No identity seen yet. */
export function emptyObserveStats(): ObserveStats {
  return {
    inactiveListed: 0,
    notStartedListed: 0,
    pastSla: 0,
    accountsFetched: 0,
    accountReadFailures: 0,
    identitiesLookedUp: 0,
    unknownStatusAccounts: 0,
    verifiedCleanSkipped: 0,
    verifiedCleanRechecked: 0,
    accountChangedReads: 0,
  };
}

/** Pure: the counts after one more outcome. Every count follows from the plan and the read; none is kept by hand. */
export function countOutcome(stats: ObserveStats, outcome: ObserveOutcome): ObserveStats {
  return addOutcome({ ...stats }, outcome);
}

/**
 * countOutcome for a loop's own accumulator: adds one outcome to `into` in place and returns it.
 * A cycle counts 20,000 outcomes and more: one object each would be garbage for the GC to chase.
 * Only for an accumulator the caller alone holds (it stays pure from the outside).
 */
export function addOutcome(into: ObserveStats, outcome: ObserveOutcome): ObserveStats {
  if (outcome.kind === 'looked-up') {
    into.identitiesLookedUp += 1;
    return into;
  }
  const { plan, accounts } = outcome;
  if (outcome.inactive && outcome.via === 'listing') into.inactiveListed += 1;
  if (outcome.via === 'not-started' && outcome.notStarted) into.notStartedListed += 1;
  if ((outcome.inactive || outcome.notStarted) && outcome.pastSla) into.pastSla += 1;
  if (accounts && accounts.kind !== 'failed') into.accountsFetched += 1;
  if (accounts?.kind === 'failed') into.accountReadFailures += 1;
  if (accounts?.kind === 'observed') into.unknownStatusAccounts += accounts.unknownAccountCount;
  if (plan.kind === 'skip' && plan.keepVerification !== undefined) into.verifiedCleanSkipped += 1;
  if (plan.kind === 'read' && plan.rechecksVerification) into.verifiedCleanRechecked += 1;
  if (plan.kind === 'read' && plan.reason === 'account changed') into.accountChangedReads += 1;
  return into;
}

/**
 * One identity verified clean, as kept in the state file: when (epoch seconds), and the
 * termination instant (epoch ms) and tier it was verified under. A tuple keeps 100,000 of them small.
 */
export type CleanVerification = readonly [verifiedAtSeconds: number, terminatedAtMs: number, tier: string];

/** Why an identity's accounts are read this cycle. */
export type ReadReason =
  | 'read every cycle'
  | 'not verified clean'
  | 'open incident'
  | 're-check due'
  | 'termination instant changed'
  | 'tier changed'
  | 'account changed';

/** What the decision looks at: the identity as listed now, its verification, and the clock of the cycle. */
export interface RecheckInput {
  identityId: string;
  verification: CleanVerification | undefined;
  terminatedAtMs: number;
  tier: string;
  hasOpenIncident: boolean;
  nowMs: number;
  /** `leaver.recheckCleanHours`; 0 = read every cycle. */
  recheckCleanHours: number;
  /** The source changed one of its accounts since the watermark: a skip becomes a read. */
  ownsChangedAccount?: boolean;
}

/**
 * Where in the second half of the interval a re-check falls: a fraction in [0, 1) from a hash of
 * the identity's id and the second it was verified. The verification instant is part of the hash
 * so that each round draws a new point: a fixed point per id would give each identity a fixed
 * period, and identities verified together would meet again at common multiples of their periods
 * (a simulated week bunched up to eight times the average share into one cycle).
 */
export function recheckFraction(identityId: string, verifiedAtSeconds: number): number {
  return hash32(`${identityId}\n${verifiedAtSeconds}`) / 2 ** 32;
}

/**
 * When a verification falls due: spread evenly over the second half of `recheckCleanHours`
 * after it, so identities verified together (the first cycle) are re-read over hours, not at once.
 */
export function recheckDueAtMs(identityId: string, verifiedAtMs: number, recheckCleanHours: number): number {
  const halfMs = (recheckCleanHours * HOUR_MS) / 2;
  return verifiedAtMs + halfMs + Math.floor(recheckFraction(identityId, Math.floor(verifiedAtMs / 1000)) * halfMs);
}

/** The due instant of a stored verification. */
export function verificationDueAtMs(identityId: string, verification: CleanVerification, recheckCleanHours: number): number {
  return recheckDueAtMs(identityId, verification[0] * 1000, recheckCleanHours);
}

/**
 * Pure: read an identity past SLA this cycle, or skip it as verified clean. Skipped only
 * when verified under the same termination instant and tier, with no open incident, and its
 * re-check not yet due; a verification from the future (the clock stepped back) is not trusted.
 * An account the source changed since the watermark turns the skip into a read.
 */
export function decideRecheck(
  input: RecheckInput,
): { read: true; reason: ReadReason } | { read: false; reason: 'verified clean'; dueAtMs: number } {
  const { verification } = input;
  if (input.recheckCleanHours === 0) return { read: true, reason: 'read every cycle' };
  if (input.hasOpenIncident) return { read: true, reason: 'open incident' };
  if (!verification) return { read: true, reason: 'not verified clean' };
  if (verification[1] !== input.terminatedAtMs) return { read: true, reason: 'termination instant changed' };
  if (verification[2] !== input.tier) return { read: true, reason: 'tier changed' };
  const dueAtMs = verificationDueAtMs(input.identityId, verification, input.recheckCleanHours);
  if (input.nowMs >= dueAtMs || verification[0] * 1000 > input.nowMs) return { read: true, reason: 're-check due' };
  // Only an identity that would otherwise be skipped is read for this reason: nobody else is added.
  if (input.ownsChangedAccount) return { read: true, reason: 'account changed' };
  return { read: false, reason: 'verified clean', dueAtMs };
}

/** The verification to record after a complete read that found nothing enabled and nothing unknown. */
export function verifiedNow(nowMs: number, terminatedAtMs: number, tier: string): CleanVerification {
  return [Math.floor(nowMs / 1000), terminatedAtMs, tier];
}

/**
 * Whether verifications made under the excluded applications `before` still hold under `now`:
 * only while no application left the list (an account of a no-longer-excluded application counts now).
 */
export function verificationsStillHold(before: readonly string[], now: ReadonlySet<string>): boolean {
  return before.every((application) => now.has(application));
}

/**
 * How many stored verifications will be skipped at `nowMs` (not due, not from the future), for a
 * source choosing between per-identity and bulk reads before the listing says who changed.
 */
export function countNotDue(
  verifications: Readonly<Record<string, CleanVerification>>,
  nowMs: number,
  recheckCleanHours: number,
  hasOpenIncident: (identityId: string) => boolean,
): number {
  if (recheckCleanHours === 0) return 0;
  let notDue = 0;
  for (const [id, verification] of Object.entries(verifications)) {
    if (verification[0] * 1000 > nowMs || hasOpenIncident(id)) continue;
    if (nowMs < verificationDueAtMs(id, verification, recheckCleanHours)) notDue += 1;
  }
  return notDue;
}
