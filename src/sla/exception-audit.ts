import type { Observation } from './decide.js';

/** The audit line of an exception that changed what is paged; written once per identity and approval. */
export interface ExceptionAuditRecord {
  event_action: 'exception';
  identity_id: string;
  identity_name: string;
  tier: string;
  /** The overdue applications the exception kept from paging when it was recorded. */
  applications: string[];
  /** As written in the exceptions file. */
  until: string;
  /** The exact instant it stops holding (a date-only `until` ends at the next midnight in leaver.timezone). */
  expires_at: string;
  reason: string;
  approved_by: string;
  recorded_at: string;
}

/**
 * The exception records this cycle must append, and the recorded set to keep afterwards. An
 * exception is recorded the first cycle it keeps an overdue account of an identity from
 * counting; keys are forgotten once their exception has expired (it can never apply again). Pure.
 */
export function planExceptionRecords(
  observations: readonly Observation[],
  /** Exceptions already audited: `<identity id>:<fingerprint>` → the instant the exception expires. Kept in the state file. */
  recorded: Readonly<Record<string, string>>,
  now: Date,
): { records: ExceptionAuditRecord[]; recorded: Record<string, string> } {
  const nowMs = now.getTime();
  const next: Record<string, string> = {};
  for (const [key, expiresAt] of Object.entries(recorded)) if (Date.parse(expiresAt) > nowMs) next[key] = expiresAt;
  const records: ExceptionAuditRecord[] = [];
  for (const observation of observations) {
    if (observation.accounts.kind !== 'observed') continue;
    for (const { exception, applications } of observation.accounts.policy.applied) {
      const key = `${observation.identity.id}:${exception.fingerprint}`;
      if (key in next) continue;
      const expiresAt = new Date(exception.untilMs).toISOString();
      next[key] = expiresAt;
      records.push({
        event_action: 'exception',
        identity_id: observation.identity.id,
        identity_name: observation.identity.name,
        tier: observation.assessment.tier,
        applications,
        until: exception.until,
        expires_at: expiresAt,
        reason: exception.reason,
        approved_by: exception.approvedBy,
        recorded_at: now.toISOString(),
      });
    }
  }
  return { records, recorded: next };
}
