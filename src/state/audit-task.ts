import type { OpenTaskIncident } from '../sla/chain-task.js';

/** Marks an audit line as a chain task incident's: report keeps these out of the leaver figures. */
export const CHAIN_TASK_AUDIT_KIND = 'chain-task';

/** One audit line of a delivered chain task trigger or resolve (never the task's messages). */
export interface TaskAuditRecord {
  sent_at: string;
  event_action: 'trigger' | 'resolve';
  incident_kind: typeof CHAIN_TASK_AUDIT_KIND;
  reason: string;
  dedup_key: string;
  task_name: string;
  cause: string;
  completion_status: string | null;
  completed_at: string | null;
  max_age_hours: number;
  /** Resolves: minutes the incident was open (first trigger to resolve). */
  open_minutes?: number;
}

/** The audit record of a delivered chain task trigger (or re-trigger). Pure. */
export function auditTaskTrigger(task: OpenTaskIncident, sentAt: string, reason: string): TaskAuditRecord {
  return taskBase(task, sentAt, 'trigger', reason);
}

/** The audit record of a delivered chain task resolve, with open_minutes. Pure. */
export function auditTaskResolve(task: OpenTaskIncident, sentAt: string, reason: string): TaskAuditRecord {
  const openMs = Date.parse(sentAt) - Date.parse(task.firstSentAt);
  return { ...taskBase(task, sentAt, 'resolve', reason), open_minutes: Math.round(openMs / 6_000) / 10 };
}

function taskBase(task: OpenTaskIncident, sentAt: string, action: 'trigger' | 'resolve', reason: string): TaskAuditRecord {
  return {
    sent_at: sentAt,
    event_action: action,
    incident_kind: CHAIN_TASK_AUDIT_KIND,
    reason,
    dedup_key: task.dedupKey,
    task_name: task.taskName,
    cause: task.cause,
    completion_status: task.completionStatus,
    completed_at: task.completedAt,
    max_age_hours: task.maxAgeHours,
  };
}
