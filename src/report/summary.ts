import type { Breach } from './incidents.js';

/** Median and 95th percentile, in minutes; null when there is nothing to measure. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

/** The figures of one scope (overall, or one tier). */
export interface ScopeFigures {
  breaches: number;
  open: number;
  resolved: number;
  detect_minutes: Percentiles;
  remediate_minutes: Percentiles;
}

/** The report exactly as `report --format json` prints it (breaches, open, detect and remediate times). */
export interface LeaverReport {
  overall: ScopeFigures;
  tiers: Record<string, ScopeFigures>;
  /** Breaches by the leaver's stage when first paged; absent when the audit log predates stages. */
  stages?: Partial<Record<'not-started' | 'started', ScopeFigures>>;
  applications: { application: string; breaches: number }[];
}

/**
 * Nearest-rank percentile: the smallest observation with at least p % of the observations
 * at or below it. Always a value that really occurred (an auditor can point at the breach).
 */
export function nearestRankPercentile(sortedValues: readonly number[], percent: number): number | null {
  if (sortedValues.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sortedValues.length));
  return sortedValues[rank - 1] ?? null;
}

/**
 * Builds the report from breaches. `sinceMs` keeps breaches first triggered at or after it.
 * Minutes are rounded to one decimal. Tiers sorted by name; applications by breaches, then name.
 */
export function buildReport(breaches: readonly Breach[], sinceMs: number | undefined): LeaverReport {
  const kept = sinceMs === undefined ? breaches : breaches.filter((breach) => breach.firstTriggerMs >= sinceMs);
  const byTier = new Map<string, Breach[]>();
  const byApplication = new Map<string, number>();
  for (const breach of kept) {
    const tierBreaches = byTier.get(breach.tier) ?? [];
    tierBreaches.push(breach);
    byTier.set(breach.tier, tierBreaches);
    for (const application of breach.applications) byApplication.set(application, (byApplication.get(application) ?? 0) + 1);
  }
  const tiers: Record<string, ScopeFigures> = {};
  for (const tier of [...byTier.keys()].sort()) tiers[tier] = figuresOf(byTier.get(tier) ?? []);
  const applications = [...byApplication.entries()]
    .map(([application, count]) => ({ application, breaches: count }))
    .sort((a, b) => b.breaches - a.breaches || a.application.localeCompare(b.application));
  return { overall: figuresOf(kept), tiers, ...stagesOf(kept), applications };
}

/** Breaches grouped by the stage they were first paged at (a line without one was written before stages: started). */
function stagesOf(breaches: readonly Breach[]): Pick<LeaverReport, 'stages'> {
  if (!breaches.some((breach) => breach.leaverStage !== undefined)) return {};
  const stages: NonNullable<LeaverReport['stages']> = {};
  for (const stage of ['not-started', 'started'] as const) {
    const of = breaches.filter((breach) => (breach.leaverStage ?? 'started') === stage);
    if (of.length > 0) stages[stage] = figuresOf(of);
  }
  return { stages };
}

function figuresOf(breaches: readonly Breach[]): ScopeFigures {
  const detect = breaches.map((breach) => breach.detectMinutes);
  const remediate = breaches.flatMap((breach) => (breach.remediateMinutes === undefined ? [] : [breach.remediateMinutes]));
  return {
    breaches: breaches.length,
    open: breaches.length - remediate.length,
    resolved: remediate.length,
    detect_minutes: percentilesOf(detect),
    remediate_minutes: percentilesOf(remediate),
  };
}

function percentilesOf(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);
  return { p50: round(nearestRankPercentile(sorted, 50)), p95: round(nearestRankPercentile(sorted, 95)) };
}
