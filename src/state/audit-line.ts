import { z } from 'zod';
import { firstIssue } from '../parse/first-issue.js';
import { isoInstantSaying } from '../parse/iso-instant.js';

const instant = isoInstantSaying('not an ISO 8601 instant');
// A field a reader can do without: a wrong type reads as absent rather than losing the line.
const optionalString = z.string().optional().catch(undefined);
const optionalNumber = z.number().optional().catch(undefined);

/**
 * A delivered trigger or resolve as read back from the audit log (written as `AuditRecord`).
 * What every reader needs is required; the incident's facts are optional, so lines of
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

/** An exception record of the audit log (written as `ExceptionAuditRecord`), validated. */
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

/** A chain task incident's trigger or resolve (written as `TaskAuditRecord`), validated. */
export const chainTaskLineSchema = z.object({
  sent_at: instant,
  event_action: z.enum(['trigger', 'resolve']),
  incident_kind: z.literal('chain-task'),
  reason: optionalString,
  dedup_key: z.string().min(1),
  task_name: z.string(),
  cause: optionalString,
  completion_status: z.string().nullable().optional().catch(undefined),
  completed_at: z.string().nullable().optional().catch(undefined),
  max_age_hours: optionalNumber,
});

/** A chain task incident's audit line, validated. */
export type ChainTaskLine = z.output<typeof chainTaskLineSchema>;

/** A processing request the source accepted (written as `ProcessingRequestedRecord`): no incident event, kept out of the figures. */
export const processingRequestedLineSchema = z.object({
  event_action: z.literal('processing-requested'),
  identity_id: z.string(),
  identity_name: z.string(),
  requested_at: instant,
  source_task_id: z.string().nullable().optional().catch(undefined),
});

/** A processing request's audit line, validated. */
export type ProcessingRequestedLine = z.output<typeof processingRequestedLineSchema>;

/** One line of the audit log: an incident event, an exception record, a chain task event, or why it is none. */
export type ParsedAuditLine =
  | { kind: 'event'; line: AuditEventLine }
  | { kind: 'exception'; line: ExceptionLine }
  | { kind: 'chain-task'; line: ChainTaskLine }
  | { kind: 'processing-requested'; line: ProcessingRequestedLine }
  | { kind: 'invalid'; reason: string };

/** Parses one line of the audit log through its schema. Pure; never throws. */
export function parseAuditLogLine(text: string): ParsedAuditLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const isException = typeof raw === 'object' && raw !== null && (raw as { event_action?: unknown }).event_action === 'exception';
  if (typeof raw === 'object' && raw !== null && (raw as { incident_kind?: unknown }).incident_kind === 'chain-task') {
    const task = chainTaskLineSchema.safeParse(raw);
    if (task.success) return { kind: 'chain-task', line: task.data };
    const { field, message } = firstIssue(task.error, 'line');
    return { kind: 'invalid', reason: `${field}: ${message}` };
  }
  if (typeof raw === 'object' && raw !== null && (raw as { event_action?: unknown }).event_action === 'processing-requested') {
    const request = processingRequestedLineSchema.safeParse(raw);
    if (request.success) return { kind: 'processing-requested', line: request.data };
    const { field, message } = firstIssue(request.error, 'line');
    return { kind: 'invalid', reason: `${field}: ${message}` };
  }
  const parsed = isException ? exceptionLineSchema.safeParse(raw) : auditEventLineSchema.safeParse(raw);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error, 'line');
    return { kind: 'invalid', reason: `${field}: ${message}` };
  }
  return parsed.data.event_action === 'exception' ? { kind: 'exception', line: parsed.data } : { kind: 'event', line: parsed.data };
}
