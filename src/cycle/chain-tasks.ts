import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { buildResolveEvent } from '../pagerduty/events.js';
import { buildTaskTriggerEvent } from '../pagerduty/task-event.js';
import {
  decideTask,
  evaluateTaskHealth,
  runsOfTask,
  type ChainTask,
  type OpenTaskIncident,
  type TaskHealth,
  type TaskRun,
} from '../sla/chain-task.js';
import { taskDedupKey } from '../sla/incident.js';
import { SourceReadError } from '../source/source-read-error.js';
import type { IdentitySource } from '../source/identity-source.js';
import type { Notification } from './notifications.js';
import { omitKeys } from '../omit-keys.js';

/** One configured task as this cycle read it: its runs, or the read that failed. */
export type TaskObservation =
  { task: ChainTask; ok: true; runs: TaskRun[]; health: TaskHealth } | { task: ChainTask; ok: false; error: SourceReadError };

/** What the chain task step found: per task, and the first failed read (exit 3). */
export interface ChainTasksObserved {
  observations: TaskObservation[];
  /** The first failed read's detailed text (logs) and classified form (state, health event). */
  readError: string | undefined;
  readErrorClassified: string | undefined;
}

/**
 * Reads the results of every `chain.tasks` task, one task after another (a handful of small
 * requests). A task whose read fails is a failed read; the others are still read.
 */
export async function observeChainTasks(
  source: IdentitySource,
  tasks: readonly ChainTask[],
  now: Date,
  logger: Logger,
): Promise<ChainTasksObserved> {
  const observed: ChainTasksObserved = { observations: [], readError: undefined, readErrorClassified: undefined };
  if (tasks.length === 0 || !source.readTaskResults) return observed;
  for (const task of tasks) {
    try {
      const runs = runsOfTask(task.name, await source.readTaskResults(task.name));
      observed.observations.push({ task, ok: true, runs, health: evaluateTaskHealth(task, runs, now.getTime()) });
    } catch (error) {
      const failure =
        error instanceof SourceReadError ? error : new SourceReadError(`IIQ GET /scim/v2/TaskResults: ${describeError(error)}`);
      logger.warn(
        { task: task.name, error: failure.message },
        'task results could not be read: the task incident is neither opened nor resolved this cycle',
      );
      observed.observations.push({ task, ok: false, error: failure });
      observed.readError ??= failure.message;
      observed.readErrorClassified ??= failure.classified;
    }
  }
  return observed;
}

/**
 * The events of chain task incidents: trigger, re-trigger or resolve per task read this cycle.
 * A task whose read failed changes nothing; an open task incident whose task left the config is
 * resolved (nobody watches it any more). Pure.
 */
export function planTaskNotifications(
  observed: ChainTasksObserved,
  openTasks: Readonly<Record<string, OpenTaskIncident>>,
  options: { nowMs: number; renotifyMinutes: number; mayResolve: boolean; source: string; configuredTasks: readonly ChainTask[] },
): Notification[] {
  const now = new Date(options.nowMs);
  const notifications: Notification[] = [];
  for (const observation of observed.observations) {
    if (!observation.ok) continue;
    const key = taskDedupKey(observation.task.name);
    const decision = decideTask(observation.health, openTasks[key], options);
    if (decision.action === 'none') continue;
    if (decision.action === 'resolve') {
      notifications.push({
        action: 'resolve',
        reason: decision.reason,
        event: buildResolveEvent({ dedupKey: key }),
        change: { kind: 'task-close', reason: decision.reason, dedupKey: key },
      });
      continue;
    }
    const facts = omitKeys(decision.facts, 'ageHours', 'hoursSinceSuccess');
    notifications.push({
      action: decision.action,
      reason: decision.reason,
      event: buildTaskTriggerEvent(decision.facts, options.source, now),
      change: { kind: 'task-open', reason: decision.reason, task: facts },
    });
  }
  const configured = new Set(options.configuredTasks.map((task) => taskDedupKey(task.name)));
  for (const open of Object.values(openTasks)) {
    if (configured.has(open.dedupKey) || !options.mayResolve) continue;
    const reason = 'task no longer in chain.tasks';
    notifications.push({
      action: 'resolve',
      reason,
      event: buildResolveEvent(open),
      change: { kind: 'task-close', reason, dedupKey: open.dedupKey },
    });
  }
  return notifications;
}
