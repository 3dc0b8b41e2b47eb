import type { HealthState } from '../sla/health.js';
import type { OpenIncident } from '../sla/incident.js';
import type { IncidentFacts, StateChange } from '../sla/state-change.js';
import type { OpenStorm } from '../sla/storm.js';
import type { OpenTaskIncident } from '../sla/chain-task.js';
import { auditResolve, auditTrigger, type DeliveryAuditRecord } from './audit-log.js';
import { auditTaskResolve, auditTaskTrigger } from './audit-task.js';
import { omitKeys } from '../omit-keys.js';

/** The part of the state that deliveries change: identity incidents, application incidents, health, chain tasks. */
export interface DeliveryBook {
  incidents: Record<string, OpenIncident>;
  storms: Record<string, OpenStorm>;
  health: HealthState;
  /** Open chain task incidents (IIQ tasks the Leaver chain depends on), apart from identity incidents; absent = none. */
  tasks?: Record<string, OpenTaskIncident>;
}

/** The book after a delivery, and the audit records the delivery produces. */
export interface AppliedDelivery {
  book: DeliveryBook;
  audit: DeliveryAuditRecord[];
}

/**
 * What a delivery does to a book, as data: incidents and application incidents to put (a
 * record) or remove (undefined), the health to set, and the audit records it produces.
 */
export interface DeliveryEffect {
  incidents: [key: string, incident: OpenIncident | undefined][];
  storms: [key: string, storm: OpenStorm | undefined][];
  health?: HealthState;
  tasks?: [key: string, task: OpenTaskIncident | undefined][];
  audit: DeliveryAuditRecord[];
}

/**
 * "PagerDuty accepted this event at `sentAt`" (or a quiet change recorded at `sentAt`) as a
 * state change. Pure: returns a new book and never changes the one given. The cycle, journal
 * recovery and replay all go through deliveryEffect, which this applies.
 */
export function applyDelivery(book: Readonly<DeliveryBook>, change: StateChange, sentAt: string): AppliedDelivery {
  const effect = deliveryEffect(book, change, sentAt);
  return { book: withEffect(book, effect), audit: effect.audit };
}

/** A change whose answer a killed run never learnt, as a new book (see unconfirmedEffect). Pure. */
export function applyUnconfirmed(book: Readonly<DeliveryBook>, change: StateChange, at: string): DeliveryBook {
  return withEffect(book, unconfirmedEffect(book, change, at));
}

/** The one place that knows what a delivered change does to the state. Pure. */
export function deliveryEffect(book: Readonly<DeliveryBook>, change: StateChange, sentAt: string): DeliveryEffect {
  switch (change.kind) {
    case 'incident-open': {
      const incident = openedIncident(book.incidents[change.incident.dedupKey], change.incident, sentAt, change.coveredBy);
      return {
        incidents: [[incident.dedupKey, incident]],
        storms: [],
        audit: change.audit ? [auditTrigger(incident, sentAt, change.reason)] : [],
      };
    }
    case 'incident-close': {
      // The state's own record is the most recent (first trigger instant); the carried one serves replay after a lost state.
      const closed = book.incidents[change.dedupKey] ?? change.incident;
      const audit = closed
        ? [{ ...auditResolve(closed, sentAt, change.reason), ...(change.coveredBy ? { covered_by: change.coveredBy } : {}) }]
        : [];
      return { incidents: [[change.dedupKey, undefined]], storms: [], audit };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      const effect: DeliveryEffect = {
        incidents: [],
        storms: [[storm.dedupKey, { ...storm, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt }]],
        audit: [],
      };
      for (const { reason, incident: facts } of change.cover) {
        const incident = openedIncident(book.incidents[facts.dedupKey], facts, sentAt, storm.dedupKey);
        effect.incidents.push([incident.dedupKey, incident]);
        effect.audit.push({ ...auditTrigger(incident, sentAt, reason), covered_by: storm.dedupKey });
      }
      return effect;
    }
    case 'storm-close':
      return { incidents: [], storms: [[change.dedupKey, undefined]], audit: [] };
    case 'health':
      return { incidents: [], storms: [], health: { ...book.health, incidentOpen: change.incidentOpen }, audit: [] };
    case 'task-open': {
      const previous = book.tasks?.[change.task.dedupKey];
      const task: OpenTaskIncident = { ...change.task, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt };
      return { incidents: [], storms: [], tasks: [[task.dedupKey, task]], audit: [auditTaskTrigger(task, sentAt, change.reason)] };
    }
    case 'task-close': {
      const closed = book.tasks?.[change.dedupKey];
      return {
        incidents: [],
        storms: [],
        tasks: [[change.dedupKey, undefined]],
        audit: closed ? [auditTaskResolve(closed, sentAt, change.reason)] : [],
      };
    }
  }
}

/**
 * A change whose event was sent (or queued) by a run that died before it learnt the answer
 * (journal recovery). Whatever PagerDuty may have open is kept open, so it gets resolved:
 * a trigger is recorded `unconfirmed` (the next cycle re-sends it); a resolve leaves the
 * incident open (the next cycle resolves it again: PagerDuty drops a duplicate resolve); the
 * health incident is left as it was (re-paged if the watchdog still fails). Pure.
 */
export function unconfirmedEffect(book: Readonly<DeliveryBook>, change: StateChange, at: string): DeliveryEffect {
  switch (change.kind) {
    case 'incident-open': {
      const previous = book.incidents[change.incident.dedupKey];
      const incident: OpenIncident = {
        ...openedIncident(previous, change.incident, at, change.coveredBy),
        lastSentAt: previous?.lastSentAt ?? at,
        unconfirmed: true,
      };
      return { incidents: [[incident.dedupKey, incident]], storms: [], audit: [] };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      return {
        incidents: change.cover.map(({ incident: facts }) => [
          facts.dedupKey,
          openedIncident(book.incidents[facts.dedupKey], facts, at, storm.dedupKey),
        ]),
        storms: [
          [
            storm.dedupKey,
            { ...storm, firstSentAt: previous?.firstSentAt ?? at, lastSentAt: previous?.lastSentAt ?? at, unconfirmed: true },
          ],
        ],
        audit: [],
      };
    }
    case 'task-open': {
      const previous = book.tasks?.[change.task.dedupKey];
      const task: OpenTaskIncident = {
        ...change.task,
        firstSentAt: previous?.firstSentAt ?? at,
        lastSentAt: previous?.lastSentAt ?? at,
        unconfirmed: true,
      };
      return { incidents: [], storms: [], tasks: [[task.dedupKey, task]], audit: [] };
    }
    case 'incident-close':
    case 'storm-close':
    case 'task-close':
    case 'health':
      return { incidents: [], storms: [], audit: [] };
  }
}

/** Applies an effect to a book the caller owns, in place: O(size of the effect), not of the book. */
export function applyEffect(book: DeliveryBook, effect: DeliveryEffect): void {
  for (const [key, incident] of effect.incidents) {
    if (incident) book.incidents[key] = incident;
    else Reflect.deleteProperty(book.incidents, key);
  }
  for (const [key, storm] of effect.storms) {
    if (storm) book.storms[key] = storm;
    else Reflect.deleteProperty(book.storms, key);
  }
  if (effect.health) book.health = effect.health;
  for (const [key, task] of effect.tasks ?? []) {
    book.tasks ??= {};
    if (task) book.tasks[key] = task;
    else Reflect.deleteProperty(book.tasks, key);
  }
}

/** A copy of a book the caller may change in place (records are replaced, never edited). */
export function copyBook(book: Readonly<DeliveryBook>): DeliveryBook {
  return { incidents: { ...book.incidents }, storms: { ...book.storms }, health: book.health, tasks: { ...book.tasks } };
}

function withEffect(book: Readonly<DeliveryBook>, effect: DeliveryEffect): DeliveryBook {
  const next = {
    ...book,
    incidents: effect.incidents.length > 0 ? { ...book.incidents } : book.incidents,
    storms: effect.storms.length > 0 ? { ...book.storms } : book.storms,
  };
  if (effect.tasks && effect.tasks.length > 0) next.tasks = { ...book.tasks };
  applyEffect(next, effect);
  return next;
}

function openedIncident(
  previous: OpenIncident | undefined,
  facts: IncidentFacts,
  sentAt: string,
  coveredBy: string | undefined,
): OpenIncident {
  // Only the facts of the change: a stale `unconfirmed` or `coveredBy` of a record read back must not survive.
  const rest = omitKeys(facts as IncidentFacts & Partial<OpenIncident>, 'firstSentAt', 'lastSentAt', 'coveredBy', 'unconfirmed');
  return { ...rest, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt, ...(coveredBy ? { coveredBy } : {}) };
}
