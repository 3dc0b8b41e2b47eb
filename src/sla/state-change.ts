import { z } from 'zod';
import { HEALTH_DEDUP_KEY } from './incident.js';
import { incidentFactsSchema, openIncidentSchema, severitySchema as severity, type IncidentFacts, type OpenIncident } from './incident.js';
import type { OpenStorm } from './storm.js';
import { taskChangeFactsSchema, type OpenTaskIncident } from './chain-task.js';

/** A chain task incident's facts as its trigger states them. */
export type TaskChangeFacts = Omit<OpenTaskIncident, 'firstSentAt' | 'lastSentAt' | 'unconfirmed'>;

/** An identity incident's facts as its trigger states them; defined with its schema in incident.ts. */
export type { IncidentFacts } from './incident.js';

/** An application incident's facts as its trigger states them. */
export type ApplicationIncidentFacts = Pick<OpenStorm, 'dedupKey' | 'application' | 'severity' | 'identityCount'>;

/**
 * What one delivered event (or one quiet change without an event) does to the state. It is
 * decided with the event, written to the journal and the dead-letter file with it, and turned
 * into the state change by applyDelivery alone, for the cycle, journal recovery and replay.
 */
export type StateChange =
  /** An identity incident is opened or re-sent (`audit: false` for a quiet update under an application incident). */
  | { kind: 'incident-open'; reason: string; incident: IncidentFacts; coveredBy?: string; audit: boolean }
  /** An identity incident is closed; `incident` is how it stood when the resolve was decided. */
  | { kind: 'incident-close'; reason: string; dedupKey: string; incident?: OpenIncident; coveredBy?: string }
  /** An application incident is opened or re-sent, taking over `cover` (identities it now pages for). */
  | { kind: 'storm-open'; storm: ApplicationIncidentFacts; cover: { reason: string; incident: IncidentFacts }[] }
  | { kind: 'storm-close'; dedupKey: string }
  /** The watchdog's own health incident is opened or closed. */
  | { kind: 'health'; incidentOpen: boolean }
  /** A chain task incident (an IIQ task the Leaver chain depends on) is opened or re-sent, or closed. */
  | { kind: 'task-open'; reason: string; task: TaskChangeFacts }
  | { kind: 'task-close'; reason: string; dedupKey: string };

// One schema per incident (sla/incident.ts): the journal and the dead-letter file keep every fact the state file keeps.
const incidentFacts = incidentFactsSchema;
const openIncident = openIncidentSchema;

/** Parses a StateChange read back from the journal or a dead-letter line. */
export const stateChangeSchema: z.ZodType<StateChange> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('incident-open'),
    reason: z.string(),
    incident: incidentFacts,
    coveredBy: z.string().optional(),
    audit: z.boolean(),
  }),
  z.object({
    kind: z.literal('incident-close'),
    reason: z.string(),
    dedupKey: z.string().min(1),
    incident: openIncident.optional(),
    coveredBy: z.string().optional(),
  }),
  z.object({
    kind: z.literal('storm-open'),
    storm: z.object({ dedupKey: z.string().min(1), application: z.string(), severity, identityCount: z.number().int().min(0) }),
    cover: z.array(z.object({ reason: z.string(), incident: incidentFacts })),
  }),
  z.object({ kind: z.literal('storm-close'), dedupKey: z.string().min(1) }),
  z.object({ kind: z.literal('health'), incidentOpen: z.boolean() }),
  z.object({ kind: z.literal('task-open'), reason: z.string(), task: taskChangeFactsSchema }),
  z.object({ kind: z.literal('task-close'), reason: z.string(), dedupKey: z.string().min(1) }),
]);

/** The dedup key a change is about (the health key for health changes). */
export function dedupKeyOfChange(change: StateChange): string {
  switch (change.kind) {
    case 'incident-open':
      return change.incident.dedupKey;
    case 'storm-open':
      return change.storm.dedupKey;
    case 'task-open':
      return change.task.dedupKey;
    case 'incident-close':
    case 'storm-close':
    case 'task-close':
      return change.dedupKey;
    case 'health':
      return HEALTH_DEDUP_KEY;
  }
}

/** What kind of incident a change is about. */
export function kindOfChange(change: StateChange): 'identity' | 'application' | 'health' | 'task' {
  if (change.kind.startsWith('task')) return 'task';
  return change.kind === 'health' ? 'health' : change.kind.startsWith('storm') ? 'application' : 'identity';
}
