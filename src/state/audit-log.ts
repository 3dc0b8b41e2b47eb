import { appendJsonLine } from './atomic-file.js';

/** One line of the audit log (spec 6): a delivered trigger or resolve. */
export interface AuditRecord {
  sent_at: string;
  event_action: 'trigger' | 'resolve';
  /** Why: "first breach", "severity escalated", "accounts disabled", ... */
  reason: string;
  dedup_key: string;
  identity_id: string;
  identity_name: string;
  tier: string;
  severity?: string;
  termination_date: string;
  sla_hours: number;
  sla_deadline: string;
  active_applications: string[];
  active_account_count: number;
  /** Applications with accounts of unknown status, counted toward the breach (absent when none). */
  unknown_status_applications?: string[];
  unknown_status_account_count?: number;
  /** Resolves: minutes from SLA deadline to resolution (remediation latency). */
  breach_minutes?: number;
  /** Resolves: minutes the incident was open (first trigger to resolve). */
  open_minutes?: number;
  /** Set when the identity was paged through an application incident (storm control). */
  covered_by?: string;
}

/** Appends one record to the audit log. */
export function appendAudit(path: string, record: AuditRecord): Promise<void> {
  return appendJsonLine(path, record);
}
