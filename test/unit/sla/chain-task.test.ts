/** The chain's own health: which runs are the task's, what the newest decisive run says, when to page again. */
import { describe, expect, it } from 'vitest';
import {
  decideTask,
  evaluateTaskHealth,
  runsOfTask,
  taskSummary,
  type OpenTaskIncident,
  type TaskCompletionStatus,
  type TaskRun,
} from '../../../src/sla/chain-task.js';
import { taskDedupKey } from '../../../src/sla/incident.js';
import { HOUR_MS, NOW_MS } from '../../helpers/clock.js';

const TASK = { name: 'Refresh Identity Cube', maxAgeHours: 26 };
const iso = (hoursAgo: number) => new Date(NOW_MS - hoursAgo * HOUR_MS).toISOString();

function run(
  completedHoursAgo: number | undefined,
  status: TaskCompletionStatus | undefined,
  name = TASK.name,
  launchedHoursAgo?: number,
): TaskRun {
  return {
    name,
    completionStatus: status,
    completedMs: completedHoursAgo === undefined ? undefined : NOW_MS - completedHoursAgo * HOUR_MS,
    launchedMs: NOW_MS - (launchedHoursAgo ?? (completedHoursAgo ?? 0) + 1) * HOUR_MS,
  };
}

describe('runsOfTask', () => {
  it('keeps `<name>` and `<name> - <suffix>`, drops names that only share the prefix', () => {
    const names = [
      'Refresh Identity Cube',
      'Refresh Identity Cube - 3',
      'Refresh Identity Cube Extra',
      'Refresh Identity Cube-2',
      'Refresh',
    ];
    expect(
      runsOfTask(
        TASK.name,
        names.map((name) => run(1, 'Success', name)),
      ).map((r) => r.name),
    ).toEqual(['Refresh Identity Cube', 'Refresh Identity Cube - 3']);
  });
});

describe('evaluateTaskHealth', () => {
  it.each([
    // [case, runs, problem, reason, completion_status, completed_at, age_hours]
    ['newest run failed', [run(2, 'Error'), run(20, 'Success')], 'failed', 'last run ended Error', 'Error', iso(2), 2],
    ['newest run terminated', [run(1, 'Terminated'), run(5, 'Success')], 'failed', 'last run ended Terminated', 'Terminated', iso(1), 1],
    [
      'success after a failure',
      [run(1, 'Success'), run(3, 'Error')],
      undefined,
      'completed Success within 26h',
      undefined,
      undefined,
      undefined,
    ],
    ['warning counts as success', [run(1, 'Warning')], undefined, 'completed Warning within 26h', undefined, undefined, undefined],
    // A re-run in progress neither clears nor opens a failure: the newest finished run decides.
    [
      'failure, re-run still running',
      [run(undefined, undefined, TASK.name, 0.5), run(3, 'Error')],
      'failed',
      'last run ended Error',
      'Error',
      iso(3),
      0.5,
    ],
    // TempError is IIQ's "try again", not a verdict.
    ['TempError after a failure', [run(1, 'TempError'), run(3, 'Error')], 'failed', 'last run ended Error', 'Error', iso(3), 1],
    [
      'TempError after a success',
      [run(1, 'TempError'), run(3, 'Success')],
      undefined,
      'completed Success within 26h',
      undefined,
      undefined,
      undefined,
    ],
    ['last success too old', [run(30, 'Success')], 'stale', 'no successful run within 26h', 'Success', iso(30), 30],
    [
      'TempError for longer than maxAgeHours',
      [run(2, 'TempError'), run(27, 'Success')],
      'stale',
      'no successful run within 26h',
      'TempError',
      iso(2),
      2,
    ],
    [
      'hung run, last success too old',
      [run(undefined, undefined, TASK.name, 20), run(28, 'Success')],
      'stale',
      'no successful run within 26h',
      'Success',
      iso(28),
      20,
    ],
    ['no result at all', [], 'never', 'no successful run on record', null, null, null],
    ['only TempErrors', [run(1, 'TempError')], 'never', 'no successful run on record', 'TempError', iso(1), 1],
    ['an unknown status is no success', [run(1, 'other')], 'never', 'no successful run on record', 'other', iso(1), 1],
  ] as const)('%s', (_case, runs, problem, reason, status, completedAt, ageHours) => {
    const health = evaluateTaskHealth(TASK, runs, NOW_MS);
    expect(health.problem).toBe(problem);
    expect(health.reason).toBe(reason);
    if (health.problem !== undefined) {
      expect(health.facts).toMatchObject({
        dedupKey: taskDedupKey(TASK.name),
        completionStatus: status,
        completedAt,
        ageHours,
        maxAgeHours: 26,
      });
    }
  });

  it('exactly maxAgeHours since the last success is still healthy', () => {
    expect(evaluateTaskHealth(TASK, [run(26, 'Success')], NOW_MS).problem).toBeUndefined();
  });
});

describe('taskSummary', () => {
  const facts = (over: object) => ({ ...(evaluateTaskHealth(TASK, [], NOW_MS) as { facts: object }).facts, ...over }) as never;
  it.each([
    [
      { cause: 'failed', completionStatus: 'Error', completedAt: iso(2) },
      `IdentityIQ task "Refresh Identity Cube" ended Error at ${iso(2)}: leavers after it may not have started`,
    ],
    [
      { cause: 'stale', hoursSinceSuccess: 30.5 },
      'IdentityIQ task "Refresh Identity Cube" has not completed successfully for 30.5h (expected every 26h)',
    ],
    [{ cause: 'never' }, 'IdentityIQ task "Refresh Identity Cube" has no successful run on record (expected every 26h)'],
  ])('%j', (over, summary) => {
    expect(taskSummary(facts(over))).toBe(summary);
  });
});

describe('decideTask', () => {
  const failed = evaluateTaskHealth(TASK, [run(2, 'Error')], NOW_MS);
  const healthy = evaluateTaskHealth(TASK, [run(1, 'Success')], NOW_MS);
  const open = (over: Partial<OpenTaskIncident> = {}): OpenTaskIncident => ({
    dedupKey: taskDedupKey(TASK.name),
    taskName: TASK.name,
    cause: 'failed',
    completionStatus: 'Error',
    completedAt: iso(2),
    maxAgeHours: 26,
    firstSentAt: iso(1),
    lastSentAt: iso(1),
    ...over,
  });
  const options = { nowMs: NOW_MS, renotifyMinutes: 240, mayResolve: true };

  it.each([
    ['first failure', failed, undefined, options, 'trigger', 'last run ended Error'],
    ['unchanged', failed, open(), options, 'none', 'unchanged'],
    ['a newer failed run', failed, open({ completedAt: iso(26) }), options, 'retrigger', 'last run ended Error (a newer run)'],
    ['status changed', failed, open({ completionStatus: 'Terminated' }), options, 'retrigger', 'last run ended Error (a newer run)'],
    ['cause changed', failed, open({ cause: 'stale' }), options, 'retrigger', 'last run ended Error (was: stale)'],
    ['renotify due', failed, open({ lastSentAt: iso(4) }), options, 'retrigger', 'renotify interval elapsed'],
    ['unconfirmed', failed, open({ unconfirmed: true }), options, 'retrigger', 'previous delivery unconfirmed'],
    ['healthy, open', healthy, open(), options, 'resolve', 'completed Success within 26h'],
    ['healthy, nothing open', healthy, undefined, options, 'none', 'completed Success within 26h'],
    [
      'healthy, clock stepped back',
      healthy,
      open(),
      { ...options, mayResolve: false },
      'none',
      'clock stepped back: nothing is resolved this cycle',
    ],
  ] as const)('%s', (_case, health, previous, opts, action, reason) => {
    const decision = decideTask(health, previous, opts);
    expect([decision.action, decision.reason]).toEqual([action, reason]);
  });
});
