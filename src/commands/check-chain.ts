import type { Logger } from 'pino';
import { observeChainTasks } from '../cycle/chain-tasks.js';
import type { ChainTask, TaskRun } from '../sla/chain-task.js';
import type { IdentitySource } from '../source/identity-source.js';

/** One `chain.tasks` task as `check` found it: its newest result's status and age, and its health. */
export interface ChainTaskCheck {
  name: string;
  maxAgeHours: number;
  /** ok, or the problem a cycle would page (failed, stale, never), or unread (the read failed: exit 3). */
  health: 'ok' | 'failed' | 'stale' | 'never' | 'unread';
  /** The newest result's status; `running` while it runs; null with no result. */
  lastStatus: string | null;
  /** Hours since the newest result completed (or was launched, while it runs); null with no result. */
  ageHours: number | null;
  /** Why the read failed (logs-grade text, redacted like every check line). */
  error?: string;
}

/** Reads every configured task's results as a cycle does; opens nothing. */
export async function checkChainTasks(
  source: IdentitySource,
  tasks: readonly ChainTask[],
  now: Date,
  logger: Logger,
): Promise<ChainTaskCheck[]> {
  const observed = await observeChainTasks(source, tasks, now, logger);
  return observed.observations.map((observation): ChainTaskCheck => {
    const base = { name: observation.task.name, maxAgeHours: observation.task.maxAgeHours };
    if (!observation.ok) return { ...base, health: 'unread', lastStatus: null, ageHours: null, error: observation.error.message };
    const newest = newestRun(observation.runs);
    return {
      ...base,
      health: observation.health.problem ?? 'ok',
      lastStatus: newest === undefined ? null : newest.completedMs === undefined ? 'running' : (newest.completionStatus ?? 'unknown'),
      ageHours: observation.health.problem === undefined ? ageOf(newest, now) : observation.health.facts.ageHours,
    };
  });
}

/** The `chain task` lines of `check`'s text output. */
export function formatChainTaskLines(checks: readonly ChainTaskCheck[]): [string, string][] {
  return checks.map((check): [string, string] => {
    const expected = `expected every ${String(check.maxAgeHours)}h`;
    if (check.health === 'unread') return ['chain task', `${check.name}: PROBLEM: task results could not be read: ${check.error ?? ''}`];
    const last = check.lastStatus === null ? 'no result on record' : `last ${check.lastStatus} ${String(check.ageHours ?? '?')}h ago`;
    const verdict =
      check.health === 'ok'
        ? 'ok'
        : check.health === 'failed'
          ? 'FAILING: its last finished run failed; leavers after it may not have started (a cycle pages this)'
          : 'FAILING: no successful run within the expected interval (a cycle pages this)';
    return ['chain task', `${check.name}: ${last} (${expected}): ${verdict}`];
  });
}

function newestRun(runs: readonly TaskRun[]): TaskRun | undefined {
  const instant = (run: TaskRun): number => run.completedMs ?? run.launchedMs ?? Number.NEGATIVE_INFINITY;
  return [...runs].sort((a, b) => instant(b) - instant(a))[0];
}

function ageOf(run: TaskRun | undefined, now: Date): number | null {
  const instant = run?.completedMs ?? run?.launchedMs;
  return instant === undefined ? null : Math.round((now.getTime() - instant) / 360_000) / 10;
}
