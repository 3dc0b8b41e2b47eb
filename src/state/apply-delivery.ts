import type { HealthState } from '../sla/health.js';
import type { OpenIncident } from '../sla/incident.js';
import type { IncidentFacts, StateChange } from '../sla/state-change.js';
import type { OpenStorm } from '../sla/storm.js';
import { auditResolve, auditTrigger, type AuditRecord } from './audit-log.js';

/** The part of the state that deliveries change: identity incidents, application incidents, health. */
export interface DeliveryBook {
  incidents: Record<string, OpenIncident>;
  storms: Record<string, OpenStorm>;
  health: HealthState;
}

/** The book after a delivery, and the audit records the delivery produces. */
export interface AppliedDelivery {
  book: DeliveryBook;
  audit: AuditRecord[];
}

/**
 * "PagerDuty accepted this event at `sentAt`" as a state change (or a quiet change recorded at
 * `sentAt`). The one place that knows what a delivery does: the cycle, journal recovery and
 * replay all call it. Pure: returns a new book, never changes the one given.
 */
export function applyDelivery(book: Readonly<DeliveryBook>, change: StateChange, sentAt: string): AppliedDelivery {
  switch (change.kind) {
    case 'incident-open': {
      const incidents = { ...book.incidents };
      const incident = openedIncident(incidents[change.incident.dedupKey], change.incident, sentAt, change.coveredBy);
      incidents[incident.dedupKey] = incident;
      return { book: { ...book, incidents }, audit: change.audit ? [auditTrigger(incident, sentAt, change.reason)] : [] };
    }
    case 'incident-close': {
      const incidents = { ...book.incidents };
      // The state's own record is the most recent (first trigger instant); the carried one serves replay after a lost state.
      const closed = incidents[change.dedupKey] ?? change.incident;
      delete incidents[change.dedupKey];
      const audit = closed ? [{ ...auditResolve(closed, sentAt, change.reason), ...(change.coveredBy ? { covered_by: change.coveredBy } : {}) }] : [];
      return { book: { ...book, incidents }, audit };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      const storms = { ...book.storms, [storm.dedupKey]: { ...storm, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt } };
      const incidents = { ...book.incidents };
      const audit = change.cover.map(({ reason, incident: facts }) => {
        const incident = openedIncident(incidents[facts.dedupKey], facts, sentAt, storm.dedupKey);
        incidents[incident.dedupKey] = incident;
        return { ...auditTrigger(incident, sentAt, reason), covered_by: storm.dedupKey };
      });
      return { book: { ...book, incidents, storms }, audit };
    }
    case 'storm-close': {
      const storms = { ...book.storms };
      delete storms[change.dedupKey];
      return { book: { ...book, storms }, audit: [] };
    }
    case 'health':
      return { book: { ...book, health: { ...book.health, incidentOpen: change.incidentOpen } }, audit: [] };
  }
}

/**
 * A change whose event was sent (or queued) by a run that died before it learnt the answer
 * (journal recovery). Whatever PagerDuty may have open is kept open, so it gets resolved:
 * a trigger is recorded `unconfirmed` (the next cycle re-sends it); a resolve leaves the
 * incident open (the next cycle resolves it again: PagerDuty drops a duplicate resolve); the
 * health incident is left as it was (re-paged if the watchdog still fails). Pure.
 */
export function applyUnconfirmed(book: Readonly<DeliveryBook>, change: StateChange, at: string): DeliveryBook {
  switch (change.kind) {
    case 'incident-open': {
      const previous = book.incidents[change.incident.dedupKey];
      const incident: OpenIncident = {
        ...openedIncident(previous, change.incident, at, change.coveredBy),
        lastSentAt: previous?.lastSentAt ?? at,
        unconfirmed: true,
      };
      return { ...book, incidents: { ...book.incidents, [incident.dedupKey]: incident } };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      const storms = { ...book.storms, [storm.dedupKey]: { ...storm, firstSentAt: previous?.firstSentAt ?? at, lastSentAt: previous?.lastSentAt ?? at, unconfirmed: true as const } };
      const incidents = { ...book.incidents };
      for (const { incident: facts } of change.cover) incidents[facts.dedupKey] = openedIncident(incidents[facts.dedupKey], facts, at, storm.dedupKey);
      return { ...book, incidents, storms };
    }
    case 'incident-close':
    case 'storm-close':
    case 'health':
      return book;
  }
}

function openedIncident(previous: OpenIncident | undefined, facts: IncidentFacts, sentAt: string, coveredBy: string | undefined): OpenIncident {
  // Only the facts of the change: a stale `unconfirmed` or `coveredBy` of a record read back must not survive.
  const { firstSentAt: _first, lastSentAt: _last, coveredBy: _covered, unconfirmed: _unconfirmed, ...rest } = facts as IncidentFacts & Partial<OpenIncident>;
  return { ...rest, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt, ...(coveredBy ? { coveredBy } : {}) };
}
