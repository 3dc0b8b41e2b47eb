import type { ExceptionFacts } from './exception-lines.js';
import { buildChainTaskEntries, type ChainTaskEntry } from './chain-tasks.js';
import type { ChainTaskLine } from '../state/audit-line.js';
import type { Breach } from './incidents.js';
import { buildReport, nearestRankPercentile, type LeaverReport, type Percentiles } from './summary.js';

/** One breach cohort: the breaches of one tier first triggered in one week (Monday 00:00 UTC). */
export interface WeekFigures {
  week: string;
  tier: string;
  breaches: number;
  resolved: number;
  detect_minutes: Percentiles;
  remediate_minutes: Percentiles;
}

/** An incident still open at the report's instant. */
export interface OpenBreach {
  identity_id: string | null;
  identity_name: string | null;
  dedup_key: string;
  tier: string;
  applications: string[];
  sla_deadline: string;
  first_triggered_at: string;
  /** Minutes from the SLA deadline to the report's instant. */
  age_minutes: number;
}

/** One exception record, as the report shows it. */
export interface ExceptionEntry {
  identity_id: string;
  identity_name: string;
  tier: string;
  applications: string[];
  until: string;
  expires_at: string | null;
  reason: string;
  approved_by: string;
  recorded_at: string;
  in_force: boolean;
}

/** Exceptions of one tier: how many breaches they cover, why, and when the next one ends. */
export interface ExceptionTierFigures {
  count: number;
  in_force: number;
  expired: number;
  reasons: { reason: string; count: number }[];
  next_expiry: string | null;
}

/** The exceptions section of the report. */
export interface ExceptionsReport {
  total: number;
  in_force: number;
  expired: number;
  tiers: Record<string, ExceptionTierFigures>;
  records: ExceptionEntry[];
}

/** The JSON report plus what the auditors' page adds: exceptions, weekly cohorts, open breaches. The base report's keys unchanged. */
export interface FullReport extends LeaverReport {
  as_of: string;
  weekly: WeekFigures[];
  open_breaches: OpenBreach[];
  exceptions: ExceptionsReport;
  /** Chain task incidents (IIQ tasks the Leaver chain depends on): never in the overall, tier or application figures. */
  chain_tasks: ChainTaskEntry[];
}

const WEEK_MS = 7 * 86_400_000;
// 1970-01-05 was a Monday: weeks are counted from there.
const MONDAY_MS = 4 * 86_400_000;

/** The Monday (UTC) that starts the week of an instant, as YYYY-MM-DD. */
export function weekOf(instantMs: number): string {
  return new Date(Math.floor((instantMs - MONDAY_MS) / WEEK_MS) * WEEK_MS + MONDAY_MS).toISOString().slice(0, 10);
}

/**
 * Builds the whole report. `sinceMs` keeps breaches first triggered, and exceptions recorded,
 * at or after it; ages and "in force" are measured at `nowMs`. Pure.
 */
export function buildFullReport(
  breaches: readonly Breach[],
  exceptions: readonly ExceptionFacts[],
  sinceMs: number | undefined,
  nowMs: number,
  taskLines: readonly ChainTaskLine[] = [],
): FullReport {
  const kept = sinceMs === undefined ? breaches : breaches.filter((breach) => breach.firstTriggerMs >= sinceMs);
  return {
    ...buildReport(breaches, sinceMs),
    as_of: new Date(nowMs).toISOString(),
    weekly: weeklyFigures(kept),
    open_breaches: openBreaches(kept, nowMs),
    exceptions: exceptionsReport(sinceMs === undefined ? exceptions : exceptions.filter((e) => e.recordedAtMs >= sinceMs), nowMs),
    chain_tasks: buildChainTaskEntries(taskLines, sinceMs),
  };
}

function weeklyFigures(breaches: readonly Breach[]): WeekFigures[] {
  const cohorts = new Map<string, Breach[]>();
  for (const breach of breaches) {
    const key = `${weekOf(breach.firstTriggerMs)}\u0000${breach.tier}`;
    const cohort = cohorts.get(key);
    if (cohort) cohort.push(breach);
    else cohorts.set(key, [breach]);
  }
  return [...cohorts.entries()]
    .map(([key, cohort]) => {
      const [week = '', tier = ''] = key.split('\u0000');
      const remediate = cohort.flatMap((b) => (b.remediateMinutes === undefined ? [] : [b.remediateMinutes]));
      return {
        week,
        tier,
        breaches: cohort.length,
        resolved: remediate.length,
        detect_minutes: percentiles(cohort.map((b) => b.detectMinutes)),
        remediate_minutes: percentiles(remediate),
      };
    })
    .sort((a, b) => a.week.localeCompare(b.week) || a.tier.localeCompare(b.tier));
}

function openBreaches(breaches: readonly Breach[], nowMs: number): OpenBreach[] {
  return breaches
    .filter((breach) => breach.resolvedMs === undefined)
    .map((breach) => ({
      identity_id: breach.identityId ?? null,
      identity_name: breach.identityName ?? null,
      dedup_key: breach.dedupKey,
      tier: breach.tier,
      applications: breach.applications,
      sla_deadline: new Date(breach.slaDeadlineMs).toISOString(),
      first_triggered_at: new Date(breach.firstTriggerMs).toISOString(),
      age_minutes: round((nowMs - breach.slaDeadlineMs) / 60_000),
    }))
    .sort((a, b) => b.age_minutes - a.age_minutes || a.dedup_key.localeCompare(b.dedup_key));
}

function exceptionsReport(facts: readonly ExceptionFacts[], nowMs: number): ExceptionsReport {
  // A record written twice (a state file lost between cycles) is one exception.
  const unique = new Map<string, ExceptionFacts>();
  for (const fact of facts) {
    const key = JSON.stringify([fact.identityId, fact.until, fact.reason, fact.approvedBy]);
    const seen = unique.get(key);
    if (!seen) unique.set(key, { ...fact, applications: [...fact.applications] });
    else seen.applications = [...new Set([...seen.applications, ...fact.applications])].sort();
  }
  const records: ExceptionEntry[] = [...unique.values()]
    .map((fact) => ({
      identity_id: fact.identityId,
      identity_name: fact.identityName,
      tier: fact.tier,
      applications: fact.applications,
      until: fact.until,
      expires_at: fact.expiresAtMs === undefined ? null : new Date(fact.expiresAtMs).toISOString(),
      reason: fact.reason,
      approved_by: fact.approvedBy,
      recorded_at: new Date(fact.recordedAtMs).toISOString(),
      in_force: fact.expiresAtMs === undefined || nowMs < fact.expiresAtMs,
    }))
    .sort(
      (a, b) =>
        a.tier.localeCompare(b.tier) ||
        (a.expires_at ?? '').localeCompare(b.expires_at ?? '') ||
        a.identity_name.localeCompare(b.identity_name),
    );
  const tiers: Record<string, ExceptionTierFigures> = {};
  for (const tier of [...new Set(records.map((r) => r.tier))].sort()) {
    const inTier = records.filter((r) => r.tier === tier);
    const reasons = new Map<string, number>();
    for (const r of inTier) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    const upcoming = inTier.flatMap((r) => (r.in_force && r.expires_at !== null ? [r.expires_at] : [])).sort();
    tiers[tier] = {
      count: inTier.length,
      in_force: inTier.filter((r) => r.in_force).length,
      expired: inTier.filter((r) => !r.in_force).length,
      reasons: [...reasons.entries()]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      next_expiry: upcoming[0] ?? null,
    };
  }
  const inForce = records.filter((r) => r.in_force).length;
  return { total: records.length, in_force: inForce, expired: records.length - inForce, tiers, records };
}

// Same rounding and percentile as the base report's figures, so every format shows the same numbers.
function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const p = (percent: number): number | null => {
    const value = nearestRankPercentile(sorted, percent);
    return value === null ? null : round(value);
  };
  return { p50: p(50), p95: p(95) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
