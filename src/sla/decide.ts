import type { AccountsObservation } from './account-policy.js';
import type { SlaAssessment } from './policy.js';
import { identityDedupKey, type Breach, type OpenIncident } from './incident.js';
import { isEscalation, isRenotifyDue } from './renotify.js';
import { HOUR_MS } from './time-units.js';
import type { LeaverStage } from './leaver.js';
import type { Identity } from './identity.js';

/** What the cycle saw of one listed identity. */
export interface Observation {
  identity: { id: string; name: string; displayName: string };
  /** False when the source shows the identity active: a leaver only with `leaverStage` "not-started", else no longer a leaver. */
  inactive: boolean;
  /** Set for a leaver the source still shows active (`not-started`); absent = as `inactive` says. */
  leaverStage?: LeaverStage;
  /** What the source says about its own processing of the leaver (IIQ SCIM `lastRefresh`, ISC processing error); absent = nothing. */
  evidence?: Pick<Identity, 'lastRefresh' | 'processingError'>;
  assessment: SlaAssessment;
  accounts: AccountsObservation;
}

export type TriggerReason =
  | 'first breach'
  | 'severity escalated'
  | 'active applications changed'
  | 'renotify interval elapsed'
  | 'previous delivery unconfirmed'
  | 'exception expired'
  | 'leaver stage changed';
export type ResolveReason =
  | 'accounts disabled'
  | 'no longer a leaver'
  | 'identity deleted'
  | 'no longer past SLA'
  | 'within application grace'
  | 'exception approved';

/**
 * An open incident whose identity a complete listing did not contain, and that was not looked
 * up on its own: absence from a listing is not proof, so it is held.
 */
export const HOLD_NOT_CONFIRMED = 'identity not listed, and not confirmed gone or active by a lookup';

/** One decision with its named reason (Alertmanager style). `hold` = an open incident left untouched. */
export type Decision =
  | { action: 'trigger' | 'retrigger'; reason: TriggerReason; breach: Breach; previous: OpenIncident | undefined }
  | { action: 'resolve'; reason: ResolveReason; incident: OpenIncident }
  | { action: 'hold'; reason: string; incident: OpenIncident };

/** Everything the decision needs; nothing else is read. */
export interface DecideInput {
  observations: readonly Observation[];
  /** True only when every page of the inactive listing was read. */
  listingComplete: boolean;
  openIncidents: Readonly<Record<string, OpenIncident>>;
  nowMs: number;
  renotifyMinutes: number;
  /** The previous cycle's evaluation instant: a cycle evaluating earlier (clock stepped back) resolves nothing. */
  previousEvaluatedAtMs?: number | undefined;
}

/**
 * Decides per identity: trigger / re-trigger / resolve / hold. Pure: no I/O, no
 * clock. An incident is resolved only on a complete, fresh observation.
 */
export function decide(input: DecideInput): Decision[] {
  const decisions: Decision[] = [];
  const observed = new Set<string>();
  for (const observation of input.observations) {
    const dedupKey = identityDedupKey(observation.identity.id);
    observed.add(dedupKey);
    const decision = decideOne(observation, input.openIncidents[dedupKey], input);
    if (decision) decisions.push(decision);
  }
  for (const incident of Object.values(input.openIncidents)) {
    if (observed.has(incident.dedupKey)) continue;
    // Unlisted identities are looked up and observed by the caller; one that was not is never resolved.
    decisions.push(
      input.listingComplete
        ? { action: 'hold', reason: HOLD_NOT_CONFIRMED, incident }
        : { action: 'hold', reason: 'identity not observed: the inactive listing was incomplete', incident },
    );
  }
  if (input.previousEvaluatedAtMs !== undefined && input.nowMs < input.previousEvaluatedAtMs) {
    // Time does not run backwards for a leaver: whatever looks remediated now may only look so because of the clock.
    return decisions.map((d) =>
      d.action === 'resolve'
        ? {
            action: 'hold',
            reason: "evaluation instant earlier than the previous cycle's (clock stepped back?): not resolved",
            incident: d.incident,
          }
        : d,
    );
  }
  return decisions;
}

function decideOne(observation: Observation, previous: OpenIncident | undefined, input: DecideInput): Decision | undefined {
  const { accounts, assessment } = observation;
  // Active and not a leaver any more: a future termination, a rehire, or no termination at all.
  if (!observation.inactive && observation.leaverStage !== 'not-started') {
    return previous && { action: 'resolve', reason: 'no longer a leaver', incident: previous };
  }
  switch (accounts.kind) {
    case 'identity-gone':
      return previous && { action: 'resolve', reason: 'identity deleted', incident: previous };
    case 'failed':
      return previous && { action: 'hold', reason: `accounts could not be read: ${accounts.error}`, incident: previous };
    case 'not-fetched':
      return previous && { action: 'hold', reason: 'accounts were not read', incident: previous };
    case 'observed':
      break;
  }
  // With grace and exceptions the counted accounts carry their own SLA and severity.
  const verdict = accounts.policy;
  if (!verdict.pastSla) {
    if (!previous) return undefined;
    // Only a changed termination instant un-breaches an identity; a clock stepped back does not.
    return Date.parse(previous.terminationDate) !== assessment.terminatedAtMs
      ? { action: 'resolve', reason: 'no longer past SLA', incident: previous }
      : {
          action: 'hold',
          reason: 'not past SLA at this instant although the termination instant is unchanged (clock stepped back?)',
          incident: previous,
        };
  }
  // Unknown is not disabled: an account IIQ gives no status for counts like an enabled one.
  if (accounts.activeAccountCount === 0 && accounts.unknownAccountCount === 0) {
    return previous && { action: 'resolve', reason: verdict.quietReason ?? 'accounts disabled', incident: previous };
  }
  const { severity } = verdict;
  if (!severity) return previous && { action: 'hold', reason: 'no counted account is past its SLA', incident: previous };

  const breach: Breach = {
    dedupKey: identityDedupKey(observation.identity.id),
    identityId: observation.identity.id,
    identityName: observation.identity.name,
    displayName: observation.identity.displayName,
    tier: assessment.tier,
    slaHours: verdict.slaHours,
    severity,
    activeApplications: accounts.activeApplications,
    activeAccountCount: accounts.activeAccountCount,
    ...(accounts.unknownAccountCount > 0
      ? { unknownApplications: accounts.unknownApplications, unknownAccountCount: accounts.unknownAccountCount }
      : {}),
    terminationDate: new Date(assessment.terminatedAtMs).toISOString(),
    terminationSource: assessment.terminationSource,
    slaDeadline: new Date(verdict.slaDeadlineMs).toISOString(),
    elapsedHours: Math.round((assessment.elapsedMs / HOUR_MS) * 10) / 10,
    ...(verdict.slaApplication ? { slaApplication: verdict.slaApplication } : {}),
    ...(verdict.withinGraceApplications.length ? { withinGraceApplications: verdict.withinGraceApplications } : {}),
    ...(verdict.exceptedApplications.length ? { exceptedApplications: verdict.exceptedApplications } : {}),
    leaverStage: observation.inactive ? 'started' : 'not-started',
    ...observation.evidence,
  };
  let reason = retriggerReason(breach, previous, input);
  // An account an expired exception kept quiet pages again: say why.
  if (verdict.exceptionExpired && (reason === 'first breach' || reason === 'active applications changed')) reason = 'exception expired';
  if (!reason) return undefined;
  return { action: previous ? 'retrigger' : 'trigger', reason, breach, previous };
}

function retriggerReason(breach: Breach, previous: OpenIncident | undefined, input: DecideInput): TriggerReason | undefined {
  if (!previous) return 'first breach';
  if (previous.unconfirmed) return 'previous delivery unconfirmed';
  if (isEscalation(breach.severity, previous.severity)) return 'severity escalated';
  // An incident opened before stages were kept was opened on an inactive identity: started.
  if ((breach.leaverStage ?? 'started') !== (previous.leaverStage ?? 'started')) return 'leaver stage changed';
  if (
    !sameApplications(breach.activeApplications, previous.activeApplications) ||
    !sameApplications(breach.unknownApplications ?? [], previous.unknownApplications ?? [])
  ) {
    return 'active applications changed';
  }
  if (isRenotifyDue(previous.lastSentAt, input.nowMs, input.renotifyMinutes)) return 'renotify interval elapsed';
  return undefined;
}

function sameApplications(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((application, i) => application === b[i]);
}
