import type { Severity } from './incident.js';

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, error: 2 };

/** Whether `next` is worse than `previous` (error over warning): a reason to page again. Pure. */
export function isEscalation(next: Severity, previous: Severity): boolean {
  return SEVERITY_RANK[next] > SEVERITY_RANK[previous];
}

/** Whether an open incident last sent at `lastSentAt` is due its renotification at `nowMs`. Pure. */
export function isRenotifyDue(lastSentAt: string, nowMs: number, renotifyMinutes: number): boolean {
  return nowMs - Date.parse(lastSentAt) >= renotifyMinutes * 60_000;
}
