import { z } from 'zod';
import { parseExceptionLine, type ExceptionFacts } from './exception-lines.js';

/** The fields of an audit line (spec 6) the report relies on; other fields are ignored. */
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
}

/** One audit line: its facts (an incident event, or an exception record of spec 11), or why it was skipped. */
export type AuditLine =
  | { ok: true; facts: AuditFacts; exception?: undefined }
  | { ok: true; exception: ExceptionFacts; facts?: undefined }
  | { ok: false; reason: string };

const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO 8601 instant');

const auditLine = z.object({
  sent_at: instant,
  event_action: z.enum(['trigger', 'resolve']),
  dedup_key: z.string().min(1),
  tier: z.string().min(1),
  sla_deadline: z.string().optional(),
  active_applications: z.array(z.string()).optional(),
  identity_id: z.string().optional().catch(undefined),
  identity_name: z.string().optional().catch(undefined),
});

/** Parses one line of the audit log. Pure; never throws. */
export function parseAuditLine(text: string): AuditLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof raw === 'object' && raw !== null && (raw as { event_action?: unknown }).event_action === 'exception')
    return parseExceptionLine(raw);
  const parsed = auditLine.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.map(String).join('.') || 'line'}: ${issue?.message ?? 'invalid'}` };
  }
  const line = parsed.data;
  const deadlineMs = line.sla_deadline === undefined ? Number.NaN : Date.parse(line.sla_deadline);
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
    },
  };
}
