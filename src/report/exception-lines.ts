import type { ExceptionLine } from '../state/audit-line.js';

/** An exception record of the audit log as the report uses it. */
export interface ExceptionFacts {
  identityId: string;
  identityName: string;
  tier: string;
  applications: string[];
  until: string;
  /** The instant the exception ends (older records without `expires_at`: parsed from `until`). */
  expiresAtMs: number | undefined;
  reason: string;
  approvedBy: string;
  recordedAtMs: number;
}

/** The report's view of a validated exception line. Pure. */
export function exceptionFacts(line: ExceptionLine): ExceptionFacts {
  const expiresAtMs = Date.parse(line.expires_at ?? line.until);
  return {
    identityId: line.identity_id,
    identityName: line.identity_name,
    tier: line.tier,
    applications: line.applications,
    until: line.until,
    expiresAtMs: Number.isNaN(expiresAtMs) ? undefined : expiresAtMs,
    reason: line.reason,
    approvedBy: line.approved_by,
    recordedAtMs: Date.parse(line.recorded_at),
  };
}
