import type { Identity } from '../source/identity-source.js';
import type { OpenIncident } from './incident.js';
import { assessIdentity, severityFor, type SlaAssessment, type SlaPolicy } from './policy.js';
import { HOUR_MS } from './time-units.js';

/** What assessing a leaver looks at besides the identity and the policy. */
export interface AssessLeaverInput {
  /** When the identity was first seen inactive (the cycle's instant when never). */
  firstSeenMs: number;
  /** The identity's open incident, if any. */
  openIncident: OpenIncident | undefined;
  nowMs: number;
}

/**
 * Pure: where a leaver stands against its SLA. While an incident is open, a termination attribute
 * that disappears or becomes unparseable (an HR glitch) is not a remediation: the incident keeps
 * the instant it was opened with. Only a valid instant (one now in the future included) replaces it.
 */
export function assessLeaver(identity: Identity, policy: SlaPolicy, input: AssessLeaverInput): SlaAssessment {
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
