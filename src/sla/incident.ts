import type { LeaverStage } from './leaver.js';

/** PagerDuty severities the watchdog uses: `warning` past SLA, `error` past 2 × SLA. */
export type Severity = 'warning' | 'error';

/** What a breach is, as the decision step establishes it. Instants are ISO 8601 strings. */
export interface Breach {
  dedupKey: string;
  identityId: string;
  identityName: string;
  displayName: string;
  tier: string;
  slaHours: number;
  severity: Severity;
  /** Sorted, distinct application names; never account identifiers. */
  activeApplications: string[];
  activeAccountCount: number;
  /** Sorted, distinct applications with an account of unknown status (counted toward the breach); absent = none. */
  unknownApplications?: string[];
  /** Accounts of unknown status; absent = none. */
  unknownAccountCount?: number;
  terminationDate: string;
  terminationSource: 'attribute' | 'first-seen';
  slaDeadline: string;
  elapsedHours: number;
  /** The application whose own SLA (applicationSlaHours) `slaHours` is; absent = the tier's. */
  slaApplication?: string;
  /** Enabled accounts not yet past their application's own SLA (spec 11); absent when none. */
  withinGraceApplications?: string[];
  /** Enabled accounts an approved exception covers (spec 11); absent when none. */
  exceptedApplications?: string[];
  /** Whether the source shows the leaver inactive yet; absent (incidents of older versions) = started. */
  leaverStage?: LeaverStage;
  /** What the source says about its own processing of the identity (see LeaverEvidence); absent = nothing. */
  lastRefresh?: string | null;
  processingError?: { stage: string | undefined };
}

/** Every application that makes the breach: enabled and unknown-status accounts alike, sorted and distinct. */
export function breachApplications(breach: Pick<Breach, 'activeApplications' | 'unknownApplications'>): string[] {
  return [...new Set([...breach.activeApplications, ...(breach.unknownApplications ?? [])])].sort();
}

/** An incident the watchdog has opened in PagerDuty, as kept in the state file. */
export interface OpenIncident extends Omit<Breach, 'elapsedHours'> {
  firstSentAt: string;
  lastSentAt: string;
  /** Set when an application incident (storm control) pages for this identity instead of its own. */
  coveredBy?: string;
  /**
   * Set when a killed run had sent (or queued) this trigger but never learnt whether PagerDuty
   * accepted it (journal recovery): the incident may be open, and the next cycle re-sends it.
   */
  unconfirmed?: true;
}

/** The dedup key of an identity's incident (spec 5); kept for callers, the rules live in dedup-keys.ts. */
export { identityDedupKey as dedupKeyFor } from './dedup-keys.js';
