import { z } from 'zod';
import { firstIssue } from '../parse/first-issue.js';
import { isoInstantSaying } from '../parse/iso-instant.js';

const instant = isoInstantSaying('not an ISO 8601 instant');
// A field a reader can do without: a wrong type reads as absent rather than losing the line.
const optionalString = z.string().optional().catch(undefined);
const optionalNumber = z.number().optional().catch(undefined);

/**
 * A delivered trigger or resolve as read back from the audit log (written as `AuditRecord`,
 * spec 6). What every reader needs is required; the incident's facts are optional, so lines of
 * older versions and hand-edited lines still count where they can.
 */
export const auditEventLineSchema = z.object({
  sent_at: instant,
  event_action: z.enum(['trigger', 'resolve']),
  reason: optionalString,
  dedup_key: z.string().min(1),
  identity_id: optionalString,
  identity_name: optionalString,
  tier: z.string().min(1),
  severity: optionalString,
  termination_date: optionalString,
  sla_hours: optionalNumber,
  sla_deadline: z.string().optional(),
  active_applications: z.array(z.string()).optional(),
  active_account_count: optionalNumber,
  covered_by: optionalString,
  leaver_stage: z.enum(['not-started', 'started']).optional().catch(undefined),
});

/** A delivered trigger or resolve of the audit log, validated. */
export type AuditEventLine = z.output<typeof auditEventLineSchema>;

/** An exception record of the audit log (spec 11, written as `ExceptionAuditRecord`), validated. */
export const exceptionLineSchema = z.object({
  event_action: z.literal('exception'),
  identity_id: z.string(),
  identity_name: z.string(),
  tier: z.string().min(1),
  applications: z.array(z.string()).default([]),
  until: z.string(),
  expires_at: instant.optional(),
  reason: z.string(),
  approved_by: z.string(),
  recorded_at: instant,
});

/** An exception record of the audit log, validated. */
export type ExceptionLine = z.output<typeof exceptionLineSchema>;

/** One line of the audit log: an incident event, an exception record, or why it is neither. */
export type ParsedAuditLine =
  { kind: 'event'; line: AuditEventLine } | { kind: 'exception'; line: ExceptionLine } | { kind: 'invalid'; reason: string };

/** Parses one line of the audit log through its schema. Pure; never throws. */
export function parseAuditLogLine(text: string): ParsedAuditLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const isException = typeof raw === 'object' && raw !== null && (raw as { event_action?: unknown }).event_action === 'exception';
  const parsed = isException ? exceptionLineSchema.safeParse(raw) : auditEventLineSchema.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error, 'line');
    return { kind: 'invalid', reason: `${field}: ${message}` };
  }
  return parsed.data.event_action === 'exception' ? { kind: 'exception', line: parsed.data } : { kind: 'event', line: parsed.data };
}
