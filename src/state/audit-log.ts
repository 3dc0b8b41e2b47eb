import type { Logger } from 'pino';
import { appendJsonLine } from './local-file.js';
import type { OpenIncident } from '../sla/incident.js';
import type { TaskAuditRecord } from './audit-task.js';

/** One line of the audit log written on delivery: an identity incident's, or a chain task incident's. */
export type DeliveryAuditRecord = AuditRecord | TaskAuditRecord;

/** One line of the audit log: a delivered trigger or resolve of an identity incident. */
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
  /** The leaver's stage when the event was sent: "not-started" (still active in the source) or "started". */
  leaver_stage?: 'not-started' | 'started';
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

/** Appends audit records; a failure is logged with the records, never fatal (what they record already happened). */
export async function appendAuditRecords(records: readonly DeliveryAuditRecord[], auditPath: string, logger: Logger): Promise<void> {
  for (const record of records) {
    try {
      await appendJsonLine(auditPath, record);
    } catch (error) {
      logger.error({ path: auditPath, error: (error as Error).message, record }, 'audit log could not be written');
    }
  }
}

/** The audit record of a delivered resolve: with breach_minutes (from the SLA deadline) and open_minutes. Pure. */
export function auditResolve(incident: OpenIncident, sentAt: string, reason: string): AuditRecord {
  const sentMs = Date.parse(sentAt);
  return {
    ...auditRecord(incident, sentAt, 'resolve', reason),
    breach_minutes: roundMinutes(sentMs - Date.parse(incident.slaDeadline)),
    open_minutes: roundMinutes(sentMs - Date.parse(incident.firstSentAt)),
  };
}

/** The audit record of a delivered trigger (or re-trigger) of an incident, and the base of a resolve's. Pure. */
export function auditRecord(incident: OpenIncident, sentAt: string, action: 'trigger' | 'resolve', reason: string): AuditRecord {
  return {
    sent_at: sentAt,
    event_action: action,
    reason,
    dedup_key: incident.dedupKey,
    identity_id: incident.identityId,
    identity_name: incident.identityName,
    tier: incident.tier,
    ...(action === 'trigger' ? { severity: incident.severity } : {}),
    leaver_stage: incident.leaverStage ?? 'started',
    termination_date: incident.terminationDate,
    sla_hours: incident.slaHours,
    sla_deadline: incident.slaDeadline,
    active_applications: incident.activeApplications,
    active_account_count: incident.activeAccountCount,
    ...(incident.unknownAccountCount
      ? { unknown_status_applications: incident.unknownApplications ?? [], unknown_status_account_count: incident.unknownAccountCount }
      : {}),
  };
}

function roundMinutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}
