/** Rebuilding the open incidents of a corrupt state file from the audit log (pure fold, table-driven). */
import { describe, expect, it } from 'vitest';
import type { AuditEventLine, ChainTaskLine } from '../../../src/state/audit-line.js';
import type { OpenTaskIncident } from '../../../src/sla/chain-task.js';
import { addToOpenTasks, foldOpenIncidents, incidentFromAudit } from '../../../src/state/rebuild-from-audit.js';

const line = (sent_at: string, event_action: 'trigger' | 'resolve', dedup_key: string, facts = true): AuditEventLine => ({
  sent_at,
  event_action,
  reason: 'test',
  dedup_key,
  tier: 'standard',
  ...(facts
    ? {
        identity_id: dedup_key.slice(-3),
        identity_name: 'jdoe',
        severity: 'error',
        termination_date: '2026-11-24T00:00:00.000Z',
        sla_hours: 8,
        sla_deadline: '2026-11-24T08:00:00.000Z',
        active_applications: ['Active Directory'],
        active_account_count: 1,
      }
    : {}),
});
const A = 'iiq-leaver-sla-aaa';
const B = 'iiq-leaver-sla-bbb';

describe('foldOpenIncidents', () => {
  it.each([
    { name: 'a trigger without a later resolve is open', lines: [line('2026-11-24T09:00:00Z', 'trigger', A)], open: [A] },
    {
      name: 'a resolve after the trigger closes it',
      lines: [line('2026-11-24T09:00:00Z', 'trigger', A), line('2026-11-24T10:00:00Z', 'resolve', A)],
      open: [],
    },
    {
      name: 'a trigger after a resolve is a new incident',
      lines: [
        line('2026-11-24T09:00:00Z', 'trigger', A),
        line('2026-11-24T10:00:00Z', 'resolve', A),
        line('2026-11-24T11:00:00Z', 'trigger', A),
      ],
      open: [A],
    },
    {
      name: 'health and application keys are not identity incidents',
      lines: [line('2026-11-24T09:00:00Z', 'trigger', 'iiq-leaver-sla-watchdog-health'), line('2026-11-24T09:00:00Z', 'trigger', B)],
      open: [B],
    },
  ])('$name', ({ lines, open }) => {
    expect([...foldOpenIncidents(lines).keys()]).toEqual(open);
  });

  it('keeps the first trigger instant of the open run and the latest facts', () => {
    const open = foldOpenIncidents([line('2026-11-24T09:00:00.000Z', 'trigger', A), line('2026-11-24T13:00:00.000Z', 'trigger', A)]);
    const audited = open.get(A);
    expect(audited && incidentFromAudit(audited)).toMatchObject({
      dedupKey: A,
      firstSentAt: '2026-11-24T09:00:00.000Z',
      lastSentAt: '2026-11-24T13:00:00.000Z',
      severity: 'error',
      activeApplications: ['Active Directory'],
    });
  });

  it('a trigger line without the incident facts cannot be rebuilt', () => {
    const audited = foldOpenIncidents([line('2026-11-24T09:00:00Z', 'trigger', A, false)]).get(A);
    expect(audited && incidentFromAudit(audited)).toBeUndefined();
  });
});

describe('addToOpenTasks', () => {
  const T = 'iiq-leaver-sla-task-refresh-identity-cube-181f7245';
  const taskLine = (sent_at: string, event_action: 'trigger' | 'resolve', extra: Partial<ChainTaskLine> = {}): ChainTaskLine => ({
    sent_at,
    event_action,
    incident_kind: 'chain-task',
    reason: 'test',
    dedup_key: T,
    task_name: 'Refresh Identity Cube',
    cause: 'failed',
    completion_status: 'Error',
    completed_at: '2026-11-24T06:00:00.000Z',
    max_age_hours: 26,
    ...extra,
  });
  const fold = (lines: ChainTaskLine[]): Map<string, OpenTaskIncident> => {
    const open = new Map<string, OpenTaskIncident>();
    for (const l of lines) addToOpenTasks(open, l);
    return open;
  };

  it('a trigger without a later resolve is open, with the first trigger instant of its run', () => {
    const open = fold([
      taskLine('2026-11-24T09:00:00.000Z', 'trigger'),
      taskLine('2026-11-24T13:00:00.000Z', 'trigger', { cause: 'stale' }),
    ]);
    expect(open.get(T)).toEqual({
      dedupKey: T,
      taskName: 'Refresh Identity Cube',
      cause: 'stale',
      completionStatus: 'Error',
      completedAt: '2026-11-24T06:00:00.000Z',
      maxAgeHours: 26,
      firstSentAt: '2026-11-24T09:00:00.000Z',
      lastSentAt: '2026-11-24T13:00:00.000Z',
    });
  });

  it('a resolve closes it', () => {
    expect(fold([taskLine('2026-11-24T09:00:00.000Z', 'trigger'), taskLine('2026-11-24T10:00:00.000Z', 'resolve')]).size).toBe(0);
  });

  it('a trigger line lacking a fact the state needs is left out', () => {
    expect(fold([taskLine('2026-11-24T09:00:00.000Z', 'trigger', { cause: undefined })]).size).toBe(0);
  });
});
