import { parseAuditLogLine } from '../state/audit-line.js';
import { exceptionFacts, type ExceptionFacts } from './exception-lines.js';
import type { ChainTaskLine } from '../state/audit-line.js';

/** The fields of an audit line the report relies on; other fields are ignored. */
export interface AuditFacts {
  sentAtMs: number;
  action: 'trigger' | 'resolve';
  dedupKey: string;
  tier: string;
  /** Absent when the line carries none that parses (resolves fall back to their trigger's). */
  slaDeadlineMs: number | undefined;
  activeApplications: string[];
  identityId?: string | undefined;
  identityName?: string | undefined;
  /** The leaver's stage the event was sent at; absent in lines of older versions. */
  leaverStage?: 'not-started' | 'started' | undefined;
}

/** One audit line: its facts (an incident event, or an approved-exception record), or why it was skipped. */
export type AuditLine =
  | { ok: true; facts: AuditFacts; exception?: undefined; task?: undefined; processingRequested?: undefined }
  | { ok: true; exception: ExceptionFacts; facts?: undefined; task?: undefined; processingRequested?: undefined }
  /** A chain task incident's line: kept out of the leaver figures, listed under `chain_tasks`. */
  | { ok: true; task: ChainTaskLine; facts?: undefined; exception?: undefined; processingRequested?: undefined }
  /** A processing request the source accepted: a line of its own, no incident event. */
  | { ok: true; processingRequested: true; facts?: undefined; exception?: undefined; task?: undefined }
  | { ok: false; reason: string };

/** Parses one line of the audit log into what the report uses. Pure; never throws. */
export function parseAuditLine(text: string): AuditLine {
  const parsed = parseAuditLogLine(text);
  if (parsed.kind === 'invalid') return { ok: false, reason: parsed.reason };
  if (parsed.kind === 'exception') return { ok: true, exception: exceptionFacts(parsed.line) };
  if (parsed.kind === 'chain-task') return { ok: true, task: parsed.line };
  if (parsed.kind === 'processing-requested') return { ok: true, processingRequested: true };
  const line = parsed.line;
  const deadlineMs = line.sla_deadline === undefined ? Number.NaN : Date.parse(line.sla_deadline);
  // A trigger opens a breach: without its deadline there is nothing to measure against.
  if (line.event_action === 'trigger' && Number.isNaN(deadlineMs)) return { ok: false, reason: 'sla_deadline: not an ISO 8601 instant' };
  return {
    ok: true,
    facts: {
      sentAtMs: Date.parse(line.sent_at),
      action: line.event_action,
      dedupKey: line.dedup_key,
      tier: line.tier,
      slaDeadlineMs: Number.isNaN(deadlineMs) ? undefined : deadlineMs,
      activeApplications: line.active_applications ?? [],
      identityId: line.identity_id,
      identityName: line.identity_name,
      ...(line.leaver_stage ? { leaverStage: line.leaver_stage } : {}),
    },
  };
}
