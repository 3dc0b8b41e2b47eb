import { classifyDedupKey } from '../sla/incident.js';
import type { OpenIncident } from '../sla/incident.js';
import { openTaskIncidentSchema, type OpenTaskIncident } from '../sla/chain-task.js';
import { parseAuditLogLine, type AuditEventLine, type ChainTaskLine } from './audit-line.js';
import { readJsonLines } from './json-lines.js';

/** An incident the audit log shows open: its latest trigger since the last resolve, and the first trigger of that run. */
export interface AuditOpenIncident {
  record: AuditEventLine;
  firstSentAt: string;
}

/** What rebuilding found: the open incidents, and the triggers that lacked the facts to rebuild one. */
export interface AuditRebuild {
  incidents: Record<string, OpenIncident>;
  /** Open chain task incidents (a trigger line without a later resolve), so a task healthy again still gets its resolve. */
  tasks: Record<string, OpenTaskIncident>;
  /** Dedup keys of open incidents whose trigger lines lack the incident's facts (hand-edited or very old lines). */
  incomplete: string[];
  /** False when there is no audit log. */
  found: boolean;
}

/**
 * Folds audit lines, in file order, into the identity incidents still open: every trigger
 * without a later resolve. Pure; torn and foreign lines are the caller's to skip.
 */
export function foldOpenIncidents(records: Iterable<AuditEventLine>): Map<string, AuditOpenIncident> {
  const open = new Map<string, AuditOpenIncident>();
  for (const record of records) addToOpenIncidents(open, record);
  return open;
}

/** Folds one audit line into `open` (in place: the log is streamed, never held whole). */
export function addToOpenIncidents(open: Map<string, AuditOpenIncident>, record: AuditEventLine): void {
  if (classifyDedupKey(record.dedup_key) !== 'identity') return;
  if (record.event_action === 'resolve') open.delete(record.dedup_key);
  else open.set(record.dedup_key, { record, firstSentAt: open.get(record.dedup_key)?.firstSentAt ?? record.sent_at });
}

/**
 * The open incident as the audit log last described it; undefined when the line lacks the
 * incident's facts. The display name is the account name (the next re-trigger brings the real
 * one back); an application incident it was paged through is not kept (its own resolve pages
 * nobody twice: PagerDuty drops a resolve it has no incident for). Pure.
 */
export function incidentFromAudit(open: AuditOpenIncident): OpenIncident | undefined {
  const r = open.record;
  const { identity_id, identity_name, sla_hours, termination_date, sla_deadline, active_applications, active_account_count } = r;
  if (
    identity_id === undefined ||
    identity_name === undefined ||
    sla_hours === undefined ||
    termination_date === undefined ||
    Number.isNaN(Date.parse(termination_date)) ||
    sla_deadline === undefined ||
    Number.isNaN(Date.parse(sla_deadline)) ||
    active_applications === undefined ||
    active_account_count === undefined
  )
    return undefined;
  return {
    dedupKey: r.dedup_key,
    identityId: identity_id,
    identityName: identity_name,
    displayName: identity_name,
    tier: r.tier,
    slaHours: sla_hours,
    severity: r.severity === 'error' ? 'error' : 'warning',
    activeApplications: active_applications,
    activeAccountCount: active_account_count,
    terminationDate: termination_date,
    terminationSource: 'attribute',
    slaDeadline: sla_deadline,
    firstSentAt: open.firstSentAt,
    lastSentAt: r.sent_at,
  };
}

/**
 * Folds one chain task audit line into `open` (in place): a trigger opens or refreshes the task
 * incident, keeping the first trigger instant of its open run; a resolve closes it. A trigger
 * line lacking a fact the state needs is left out (the next cycle pages again if IIQ still says so).
 */
export function addToOpenTasks(open: Map<string, OpenTaskIncident>, line: ChainTaskLine): void {
  if (line.event_action === 'resolve') {
    open.delete(line.dedup_key);
    return;
  }
  const task = openTaskIncidentSchema.safeParse({
    dedupKey: line.dedup_key,
    taskName: line.task_name,
    cause: line.cause,
    completionStatus: line.completion_status ?? null,
    completedAt: line.completed_at ?? null,
    maxAgeHours: line.max_age_hours,
    firstSentAt: open.get(line.dedup_key)?.firstSentAt ?? line.sent_at,
    lastSentAt: line.sent_at,
  });
  if (task.success) open.set(line.dedup_key, task.data);
  else open.delete(line.dedup_key);
}

/**
 * Rebuilds the open identity and chain task incidents from the audit log (after a corrupt state
 * file was moved aside), so a leaver remediated since, or a task healthy again, still gets its resolve. Throws when the log exists but
 * cannot be read.
 */
export async function readOpenIncidentsFromAudit(auditPath: string): Promise<AuditRebuild> {
  const open = new Map<string, AuditOpenIncident>();
  const openTasks = new Map<string, OpenTaskIncident>();
  const found = await readJsonLines(auditPath, (text) => {
    const parsed = parseAuditLogLine(text);
    if (parsed.kind === 'event') addToOpenIncidents(open, parsed.line);
    else if (parsed.kind === 'chain-task') addToOpenTasks(openTasks, parsed.line);
  });
  const rebuild: AuditRebuild = { incidents: {}, tasks: Object.fromEntries(openTasks), incomplete: [], found };
  for (const [key, audited] of open) {
    const incident = incidentFromAudit(audited);
    if (incident) rebuild.incidents[key] = incident;
    else rebuild.incomplete.push(key);
  }
  return rebuild;
}
