import { taskSummary, type TaskIncidentFacts } from '../sla/chain-task.js';
import { CLIENT_NAME, fitEvent, type PagerDutyEvent } from './events.js';

/**
 * A chain task incident: an IIQ task the Leaver chain depends on failed or stopped running, so
 * every leaver after it may never start. Carries the task's status and instants, never its messages.
 */
export function buildTaskTriggerEvent(facts: TaskIncidentFacts, source: string, now: Date): PagerDutyEvent {
  return fitEvent({
    event_action: 'trigger',
    dedup_key: facts.dedupKey,
    payload: {
      summary: taskSummary(facts),
      source,
      severity: 'error',
      timestamp: now.toISOString(),
      component: 'identityiq',
      group: 'chain-task',
      class: 'leaver-chain-task',
      custom_details: {
        task_name: facts.taskName,
        completion_status: facts.completionStatus,
        completed_at: facts.completedAt,
        age_hours: facts.ageHours,
        max_age_hours: facts.maxAgeHours,
      },
    },
    client: CLIENT_NAME,
  });
}
