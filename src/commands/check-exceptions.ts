import { exceptionHolds, type ApprovedException } from '../sla/account-policy.js';

/** Exceptions expiring within this many days are called out by `check`. */
export const EXPIRING_SOON_DAYS = 14;
const DAY_MS = 86_400_000;
/** How many exceptions in force the text form lists one by one. */
const TEXT_LIMIT = 50;

/** One exception as `check` shows it. */
export interface CheckedException {
  identity: string;
  applications: string[] | 'all';
  until: string;
  expiresAt: string;
  reason: string;
  approvedBy: string;
  expiringSoon: boolean;
}

/** What `check` says about `exceptions.path`: in force (soonest expiry first), expiring soon, expired. */
export interface ExceptionsCheck {
  path: string | null;
  inForce: CheckedException[];
  expiringSoon: number;
  expired: number;
}

/** Sorts the exceptions of the file as of `nowMs`. Pure. */
export function checkExceptions(path: string | null, exceptions: readonly ApprovedException[], nowMs: number): ExceptionsCheck {
  const inForce = exceptions
    .filter((exception) => exceptionHolds(exception, nowMs))
    .sort((a, b) => a.untilMs - b.untilMs || a.index - b.index)
    .map((exception) => ({
      identity: exception.identity,
      applications: exception.applications ?? ('all' as const),
      until: exception.until,
      expiresAt: new Date(exception.untilMs).toISOString(),
      reason: exception.reason,
      approvedBy: exception.approvedBy,
      expiringSoon: exception.untilMs - nowMs <= EXPIRING_SOON_DAYS * DAY_MS,
    }));
  return { path, inForce, expiringSoon: inForce.filter((e) => e.expiringSoon).length, expired: exceptions.length - inForce.length };
}

/** The labelled lines of the text form. */
export function formatExceptionsCheck(check: ExceptionsCheck): [string, string][] {
  if (check.path === null) return [['exceptions', 'none (exceptions.path not set)']];
  const lines: [string, string][] = [
    [
      'exceptions',
      `${check.path}: ${check.inForce.length} in force, ${check.expiringSoon} expiring within ${EXPIRING_SOON_DAYS} days, ${check.expired} expired`,
    ],
  ];
  for (const e of check.inForce.slice(0, TEXT_LIMIT)) {
    const applications = e.applications === 'all' ? 'all applications' : e.applications.join(', ');
    lines.push([
      '',
      `${e.expiringSoon ? 'EXPIRES SOON ' : ''}${e.identity}: ${applications} until ${e.until} (ends ${e.expiresAt}) — ${e.reason}, approved by ${e.approvedBy}`,
    ]);
  }
  if (check.inForce.length > TEXT_LIMIT) lines.push(['', `… and ${check.inForce.length - TEXT_LIMIT} more (--format json lists all)`]);
  return lines;
}
