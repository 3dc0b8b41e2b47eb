import type { AuditFacts } from './audit-lines.js';

/**
 * One breach: an incident from a dedup key's first trigger to its resolve. Re-sent triggers
 * belong to it; a trigger after its resolve starts a new breach (PagerDuty opens a new incident).
 */
export interface Breach {
  dedupKey: string;
  tier: string;
  slaDeadlineMs: number;
  firstTriggerMs: number;
  /** Absent while the incident is open. */
  resolvedMs: number | undefined;
  /** SLA deadline → first trigger. */
  detectMinutes: number;
  /** SLA deadline → resolve (the resolve's `breach_minutes`); absent while open. */
  remediateMinutes: number | undefined;
  /** Every application active in any of its triggers, sorted. */
  applications: string[];
  identityId?: string | undefined;
  identityName?: string | undefined;
  /** The leaver's stage when the breach was first paged (not-started: still active in the source); absent in older audit logs. */
  leaverStage?: 'not-started' | 'started' | undefined;
}

/** A resolve that matched no open breach (its trigger predates the log, or a duplicate). */
export interface UnmatchedResolve {
  dedupKey: string;
  sentAtMs: number;
}

/**
 * Folds audit facts, in the order they were appended (= the order they were delivered),
 * into breaches. Memory grows with breaches, not with lines.
 */
export class BreachBuilder {
  private readonly open = new Map<string, Breach & { applicationSet: Set<string> }>();
  private readonly done: Breach[] = [];
  readonly unmatchedResolves: UnmatchedResolve[] = [];

  /** Adds the next audit record. */
  add(facts: AuditFacts): void {
    const current = this.open.get(facts.dedupKey);
    if (facts.action === 'trigger') {
      if (current) {
        for (const application of facts.activeApplications) current.applicationSet.add(application);
        return;
      }
      this.open.set(facts.dedupKey, {
        dedupKey: facts.dedupKey,
        tier: facts.tier,
        // A trigger without a deadline is rejected by parseAuditLine.
        slaDeadlineMs: facts.slaDeadlineMs ?? facts.sentAtMs,
        firstTriggerMs: facts.sentAtMs,
        resolvedMs: undefined,
        detectMinutes: minutesBetween(facts.slaDeadlineMs ?? facts.sentAtMs, facts.sentAtMs),
        remediateMinutes: undefined,
        applications: [],
        applicationSet: new Set(facts.activeApplications),
        identityId: facts.identityId,
        identityName: facts.identityName,
        ...(facts.leaverStage ? { leaverStage: facts.leaverStage } : {}),
      });
      return;
    }
    if (!current) {
      this.unmatchedResolves.push({ dedupKey: facts.dedupKey, sentAtMs: facts.sentAtMs });
      return;
    }
    this.open.delete(facts.dedupKey);
    // The resolve carries the deadline the incident ended with (breach_minutes is measured from it).
    const remediateMinutes = minutesBetween(facts.slaDeadlineMs ?? current.slaDeadlineMs, facts.sentAtMs);
    this.done.push({ ...finish(current), resolvedMs: facts.sentAtMs, remediateMinutes });
  }

  /** Every breach so far, resolved ones first in resolve order, then the open ones. */
  breaches(): Breach[] {
    return [...this.done, ...[...this.open.values()].map(finish)];
  }
}

function finish(breach: Breach & { applicationSet: Set<string> }): Breach {
  const { applicationSet, ...rest } = breach;
  return { ...rest, applications: [...applicationSet].sort() };
}

function minutesBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / 60_000;
}
