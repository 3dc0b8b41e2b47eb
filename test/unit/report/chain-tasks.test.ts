/** report's chain_tasks: incidents from a first trigger to its resolve, per task, apart from leaver breaches. */
import { describe, expect, it } from 'vitest';
import { buildChainTaskEntries } from '../../../src/report/chain-tasks.js';
import type { ChainTaskLine } from '../../../src/state/audit-line.js';

const KEY = 'iiq-leaver-sla-task-refresh-identity-cube-181f7245';
const line = (sentAt: string, action: 'trigger' | 'resolve', status: string | null = 'Error'): ChainTaskLine => ({
  sent_at: sentAt,
  event_action: action,
  incident_kind: 'chain-task',
  reason: 'x',
  dedup_key: KEY,
  task_name: 'Refresh Identity Cube',
  cause: 'failed',
  completion_status: status,
  completed_at: null,
  max_age_hours: 26,
});

describe('buildChainTaskEntries', () => {
  const lines = [
    line('2026-11-01T00:00:00Z', 'trigger'),
    line('2026-11-01T04:00:00Z', 'trigger'),
    line('2026-11-01T06:00:00Z', 'resolve'),
    line('2026-11-10T00:00:00Z', 'trigger', null),
  ];

  it('counts incidents once however often re-sent; the last one still open', () => {
    expect(buildChainTaskEntries(lines, undefined)).toEqual([
      {
        task_name: 'Refresh Identity Cube',
        dedup_key: KEY,
        incidents: 2,
        resolved: 1,
        open: true,
        pages: 3,
        last_triggered_at: '2026-11-10T00:00:00Z',
        last_cause: 'failed',
        last_completion_status: null,
        last_resolved_at: '2026-11-01T06:00:00Z',
      },
    ]);
  });

  it('--since keeps incidents first triggered at or after it', () => {
    expect(buildChainTaskEntries(lines, Date.parse('2026-11-05T00:00:00Z'))).toMatchObject([
      { incidents: 1, resolved: 0, open: true, pages: 1, last_resolved_at: null },
    ]);
    expect(buildChainTaskEntries(lines, Date.parse('2026-12-01T00:00:00Z'))).toEqual([]);
  });
});
