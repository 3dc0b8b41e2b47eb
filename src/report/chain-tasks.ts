import type { ChainTaskLine } from '../state/audit-line.js';
import { omitKeys } from '../omit-keys.js';

/** One chain task (an IIQ task the Leaver chain depends on) as the report lists it, apart from leaver breaches. */
export interface ChainTaskEntry {
  task_name: string;
  dedup_key: string;
  /** Incidents (a first trigger until its resolve) first triggered in the period. */
  incidents: number;
  resolved: number;
  /** Whether its last incident is still open. */
  open: boolean;
  /** Pages sent (triggers and re-triggers) in the period. */
  pages: number;
  last_triggered_at: string | null;
  last_cause: string | null;
  last_completion_status: string | null;
  last_resolved_at: string | null;
}

/**
 * Chain task incidents from their audit lines: one entry per task, incidents counted from a first
 * trigger to its resolve. `sinceMs` keeps incidents first triggered at or after it. Pure.
 */
export function buildChainTaskEntries(lines: readonly ChainTaskLine[], sinceMs: number | undefined): ChainTaskEntry[] {
  const entries = new Map<string, ChainTaskEntry & { openSinceMs: number | undefined }>();
  for (const line of [...lines].sort((a, b) => Date.parse(a.sent_at) - Date.parse(b.sent_at))) {
    const sentMs = Date.parse(line.sent_at);
    const entry = entries.get(line.dedup_key) ?? {
      task_name: line.task_name,
      dedup_key: line.dedup_key,
      incidents: 0,
      resolved: 0,
      open: false,
      pages: 0,
      last_triggered_at: null,
      last_cause: null,
      last_completion_status: null,
      last_resolved_at: null,
      openSinceMs: undefined,
    };
    entries.set(line.dedup_key, entry);
    if (line.event_action === 'trigger') {
      if (!entry.open) entry.openSinceMs = sentMs;
      const counted = sinceMs === undefined || (entry.openSinceMs ?? sentMs) >= sinceMs;
      if (!counted) {
        entry.open = true;
        continue;
      }
      if (!entry.open) entry.incidents += 1;
      entry.open = true;
      entry.pages += 1;
      entry.last_triggered_at = line.sent_at;
      entry.last_cause = line.cause ?? null;
      entry.last_completion_status = line.completion_status ?? null;
    } else if (entry.open) {
      const counted = sinceMs === undefined || (entry.openSinceMs ?? sentMs) >= sinceMs;
      entry.open = false;
      if (!counted) continue;
      entry.resolved += 1;
      entry.last_resolved_at = line.sent_at;
    }
  }
  return [...entries.values()]
    .filter((entry) => entry.incidents > 0)
    .map((entry): ChainTaskEntry => omitKeys(entry, 'openSinceMs'))
    .sort((a, b) => a.task_name.localeCompare(b.task_name));
}

/** The chain task lines of the text table (none when there is no chain task incident). */
export function chainTaskTableLines(entries: readonly ChainTaskEntry[], align: (rows: string[][]) => string[]): string[] {
  if (entries.length === 0) return [];
  const rows = [
    ['', 'incidents', 'open', 'resolved', 'last paged', 'last status'],
    ...entries.map((e) => [
      e.task_name,
      String(e.incidents),
      e.open ? 'yes' : 'no',
      String(e.resolved),
      e.last_triggered_at ?? '-',
      e.last_completion_status ?? (e.last_cause === 'never' ? 'none on record' : '-'),
    ]),
  ];
  return ['Chain tasks (IdentityIQ tasks the Leaver chain depends on; not counted above)', ...align(rows).map((line) => `  ${line}`)];
}

/** The CSV header of the chain task table (9 columns, like the others). */
export const CHAIN_TASK_CSV_HEADER = [
  'chain_task',
  'dedup_key',
  'incidents',
  'open',
  'resolved',
  'pages',
  'last_triggered_at',
  'last_completion_status',
  'last_resolved_at',
];

/** The CSV rows of the chain task table. */
export function chainTaskCsvRows(entries: readonly ChainTaskEntry[]): string[][] {
  return entries.map((e) => [
    e.task_name,
    e.dedup_key,
    String(e.incidents),
    e.open ? 'true' : 'false',
    String(e.resolved),
    String(e.pages),
    e.last_triggered_at ?? '',
    e.last_completion_status ?? '',
    e.last_resolved_at ?? '',
  ]);
}
