import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';

/** PagerDuty severities the watchdog uses: `warning` past SLA, `error` past 2 × SLA. */
export const severitySchema = z.enum(['warning', 'error']);

/** PagerDuty severities the watchdog uses: `warning` past SLA, `error` past 2 × SLA. */
export type Severity = z.output<typeof severitySchema>;

/**
 * An identity incident's facts as its trigger states them (instants are ISO 8601 strings). The
 * one schema of an incident: the state file, the journal, the dead-letter file and replay all
 * parse through it (or through openIncidentSchema, which extends it), so a fact added here is
 * kept by every one of them.
 */
export const incidentFactsSchema = z.object({
  dedupKey: z.string().min(1),
  identityId: z.string(),
  identityName: z.string(),
  displayName: z.string(),
  tier: z.string(),
  slaHours: z.number(),
  severity: severitySchema,
  /** Sorted, distinct application names; never account identifiers. */
  activeApplications: z.array(z.string()),
  activeAccountCount: z.number(),
  /** Sorted, distinct applications with an account of unknown status (counted toward the breach); absent = none. */
  unknownApplications: z.array(z.string()).optional(),
  /** Accounts of unknown status; absent = none. */
  unknownAccountCount: z.number().optional(),
  terminationDate: isoInstant,
  terminationSource: z.enum(['attribute', 'first-seen']),
  slaDeadline: isoInstant,
  /** The application whose own SLA (applicationSlaHours) `slaHours` is; absent = the tier's. */
  slaApplication: z.string().optional(),
  /** Enabled accounts not yet past their application's own SLA; absent when none. */
  withinGraceApplications: z.array(z.string()).optional(),
  /** Enabled accounts an approved exception covers; absent when none. */
  exceptedApplications: z.array(z.string()).optional(),
  /** Whether the source shows the leaver inactive yet; absent (incidents of older versions) = started. */
  leaverStage: z.enum(['not-started', 'started']).optional(),
});

/** An identity incident's facts as its trigger states them (no sent-at instants). */
export type IncidentFacts = z.output<typeof incidentFactsSchema>;

/** An incident the watchdog has opened in PagerDuty, as kept in the state file (and carried by a resolve). */
export const openIncidentSchema = incidentFactsSchema.extend({
  firstSentAt: isoInstant,
  lastSentAt: isoInstant,
  /** Set when an application incident (storm control) pages for this identity instead of its own. */
  coveredBy: z.string().optional(),
  /**
   * Set when an event for this incident went out but its answer never came (a killed run, or a
   * timeout after the request was sent): the incident may be open, and the next cycle re-sends it.
   */
  unconfirmed: z.literal(true).optional(),
});

/** An incident the watchdog has opened in PagerDuty, as kept in the state file. */
export type OpenIncident = z.output<typeof openIncidentSchema>;

/** What a breach is, as the decision step establishes it: the incident's facts and how late it is now. */
export type Breach = IncidentFacts & {
  elapsedHours: number;
  /** What the source says about its own processing of the identity (see LeaverEvidence): for the event only, never kept. */
  lastRefresh?: string | null;
  processingError?: { stage: string | undefined };
};

/** Every application that makes the breach: enabled and unknown-status accounts alike, sorted and distinct. */
export function breachApplications(breach: Pick<Breach, 'activeApplications' | 'unknownApplications'>): string[] {
  return [...new Set([...breach.activeApplications, ...(breach.unknownApplications ?? [])])].sort();
}

/** The dedup key of an identity's incident; kept for callers, the rules live in dedup-keys.ts. */
export { identityDedupKey as dedupKeyFor } from './dedup-keys.js';
