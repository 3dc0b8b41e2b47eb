import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';
import { taskDedupKey } from './incident.js';
import { isRenotifyDue } from './renotify.js';

/** How an IIQ task run ended; `undefined` while it runs. Statuses IIQ may add later read as `other`. */
export type TaskCompletionStatus = 'Success' | 'Warning' | 'Error' | 'Terminated' | 'TempError' | 'other';

/** One IIQ TaskResult as the watchdog keeps it: the run's name, status and instants (never its messages). */
export interface TaskRun {
  name: string;
  completionStatus: TaskCompletionStatus | undefined;
  launchedMs: number | undefined;
  /** Absent while the task runs. */
  completedMs: number | undefined;
}

/** A task the chain depends on (`chain.tasks`). */
export interface ChainTask {
  name: string;
  maxAgeHours: number;
}

/** Why a task pages: its deciding run failed, its last success is too old, or there is none. */
export type TaskProblem = 'failed' | 'stale' | 'never';

/**
 * A chain task incident's facts as its trigger states them. The one schema of a task incident:
 * the journal and the dead-letter file parse a task change through it, the state file through
 * openTaskIncidentSchema, which extends it.
 */
export const taskChangeFactsSchema = z.object({
  dedupKey: z.string().min(1),
  taskName: z.string(),
  cause: z.enum(['failed', 'stale', 'never']) satisfies z.ZodType<TaskProblem>,
  completionStatus: z.string().nullable(),
  completedAt: isoInstant.nullable(),
  maxAgeHours: z.number(),
});

/**
 * A chain task incident as the state file keeps it, apart from identity incidents. `unconfirmed`:
 * its last trigger's delivery is unknown (a killed run), so the next cycle re-sends it.
 */
export const openTaskIncidentSchema = taskChangeFactsSchema.extend({
  firstSentAt: isoInstant,
  lastSentAt: isoInstant,
  unconfirmed: z.literal(true).optional(),
});

/** A chain task incident as kept in the state (the type of its one schema). */
export type OpenTaskIncident = z.infer<typeof openTaskIncidentSchema>;

/** What a task incident says when it is (re-)sent: its facts and two ages. */
export type TaskIncidentFacts = z.infer<typeof taskChangeFactsSchema> & {
  /** Hours since the newest run completed (or was launched, while it runs); null with no run. */
  ageHours: number | null;
  /** Hours since the last Success/Warning completed (stale only). */
  hoursSinceSuccess: number | null;
};

/** The task's health this cycle: a problem with its facts, or healthy. */
export type TaskHealth = { problem: TaskProblem; reason: string; facts: TaskIncidentFacts } | { problem: undefined; reason: string };

/** A decision about one task incident. */
export type TaskDecision =
  | { action: 'trigger' | 'retrigger'; reason: string; facts: TaskIncidentFacts }
  | { action: 'resolve'; reason: string; incident: OpenTaskIncident }
  | { action: 'none'; reason: string };

const HOUR_MS = 3_600_000;
const DEFINITE = new Set<TaskCompletionStatus | undefined>(['Success', 'Warning', 'Error', 'Terminated']);
const SUCCESSFUL = new Set<TaskCompletionStatus | undefined>(['Success', 'Warning']);

/**
 * The runs of `taskName` among a `name sw` answer: named exactly `<name>` or `<name> - <suffix>`
 * (IIQ's name for a further result of the same task); others sharing the prefix are another task. Pure.
 */
export function runsOfTask(taskName: string, runs: readonly TaskRun[]): TaskRun[] {
  return runs.filter((run) => run.name === taskName || run.name.startsWith(`${taskName} - `));
}

/**
 * A task's health from its runs (already filtered by runsOfTask). The newest run with a definite
 * status (Success, Warning, Error, Terminated) decides whether the task failed: a run still going
 * neither opens nor clears a failure (the re-run that would fix it has not finished), and a
 * TempError is IIQ saying "try again", not a verdict. Independently, no Success/Warning completed
 * within `maxAgeHours` pages as stale (a TempError or a hung run that lasts is caught there). Pure.
 */
export function evaluateTaskHealth(task: ChainTask, runs: readonly TaskRun[], nowMs: number): TaskHealth {
  const byNewest = [...runs].sort((a, b) => instantOf(b) - instantOf(a));
  const newest = byNewest[0];
  const newestMs = newest === undefined ? Number.NaN : instantOf(newest);
  const ageHours = Number.isFinite(newestMs) ? roundHours(nowMs - newestMs) : null;
  const completed = byNewest.filter((run) => run.completedMs !== undefined);
  const decisive = completed.find((run) => DEFINITE.has(run.completionStatus));
  const lastSuccess = completed.find((run) => SUCCESSFUL.has(run.completionStatus));
  const base = { dedupKey: taskDedupKey(task.name), taskName: task.name, maxAgeHours: task.maxAgeHours, ageHours };
  const shown = (run: TaskRun | undefined): Pick<TaskIncidentFacts, 'completionStatus' | 'completedAt'> => ({
    completionStatus: run?.completionStatus ?? null,
    completedAt: run?.completedMs === undefined ? null : new Date(run.completedMs).toISOString(),
  });
  if (decisive && (decisive.completionStatus === 'Error' || decisive.completionStatus === 'Terminated')) {
    return {
      problem: 'failed',
      reason: `last run ended ${decisive.completionStatus}`,
      facts: { ...base, cause: 'failed', ...shown(decisive), hoursSinceSuccess: null },
    };
  }
  if (lastSuccess?.completedMs === undefined) {
    return {
      problem: 'never',
      reason: 'no successful run on record',
      facts: { ...base, cause: 'never', ...shown(completed[0]), hoursSinceSuccess: null },
    };
  }
  const sinceSuccessMs = nowMs - lastSuccess.completedMs;
  if (sinceSuccessMs > task.maxAgeHours * HOUR_MS) {
    return {
      problem: 'stale',
      reason: `no successful run within ${task.maxAgeHours}h`,
      facts: { ...base, cause: 'stale', ...shown(completed[0]), hoursSinceSuccess: roundHours(sinceSuccessMs) },
    };
  }
  return { problem: undefined, reason: `completed ${lastSuccess.completionStatus ?? ''} within ${task.maxAgeHours}h` };
}

/**
 * Trigger, re-trigger, resolve or leave one task incident. Re-sent when the cause, the status or
 * the completion instant of the run it names changes, when its last delivery is unconfirmed, or
 * after `renotifyMinutes`. `mayResolve` is false when the clock stepped back. Pure.
 */
export function decideTask(
  health: TaskHealth,
  previous: OpenTaskIncident | undefined,
  options: { nowMs: number; renotifyMinutes: number; mayResolve: boolean },
): TaskDecision {
  if (health.problem === undefined) {
    if (!previous) return { action: 'none', reason: health.reason };
    if (!options.mayResolve) return { action: 'none', reason: 'clock stepped back: nothing is resolved this cycle' };
    return { action: 'resolve', reason: health.reason, incident: previous };
  }
  const { facts } = health;
  if (!previous) return { action: 'trigger', reason: health.reason, facts };
  const reason = previous.unconfirmed
    ? 'previous delivery unconfirmed'
    : previous.cause !== facts.cause
      ? `${health.reason} (was: ${previous.cause})`
      : previous.completionStatus !== facts.completionStatus || previous.completedAt !== facts.completedAt
        ? `${health.reason} (a newer run)`
        : isRenotifyDue(previous.lastSentAt, options.nowMs, options.renotifyMinutes)
          ? 'renotify interval elapsed'
          : undefined;
  return reason ? { action: 'retrigger', reason, facts } : { action: 'none', reason: 'unchanged' };
}

/** The summary line of a task incident. Pure. */
export function taskSummary(facts: TaskIncidentFacts): string {
  const name = JSON.stringify(facts.taskName);
  if (facts.cause === 'failed')
    return `IdentityIQ task ${name} ended ${facts.completionStatus ?? 'unknown'} at ${facts.completedAt ?? 'unknown'}: leavers after it may not have started`;
  if (facts.cause === 'stale')
    return `IdentityIQ task ${name} has not completed successfully for ${String(facts.hoursSinceSuccess ?? '?')}h (expected every ${String(facts.maxAgeHours)}h)`;
  return `IdentityIQ task ${name} has no successful run on record (expected every ${String(facts.maxAgeHours)}h)`;
}

// Completed, else launched; a run with neither sorts last.
function instantOf(run: TaskRun): number {
  return run.completedMs ?? run.launchedMs ?? Number.NEGATIVE_INFINITY;
}

function roundHours(ms: number): number {
  return Math.round(ms / (HOUR_MS / 10)) / 10;
}
