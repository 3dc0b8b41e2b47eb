import type { Decision } from '../sla/decide.js';
import type { Breach } from '../sla/incident.js';
import type { IncidentFacts, StateChange } from '../sla/state-change.js';
import type { QuietChange, StormDecision } from '../sla/storm.js';
import { buildResolveEvent, buildTriggerEvent, type EventContext, type PagerDutyEvent } from '../pagerduty/events.js';
import { buildStormTriggerEvent } from '../pagerduty/storm-event.js';
import { omitKeys } from '../omit-keys.js';

/** An event to send, and what its delivery changes (applied by applyDelivery once PagerDuty accepts it). */
export interface Notification {
  action: 'trigger' | 'retrigger' | 'resolve';
  reason: string;
  event: PagerDutyEvent;
  change: StateChange;
}

/** Builds the event of every identity trigger, re-trigger and resolve decision (holds send nothing). Pure. */
export function planNotifications(decisions: readonly Decision[], context: EventContext, now: Date): Notification[] {
  const notifications: Notification[] = [];
  for (const decision of decisions) {
    if (decision.action === 'hold') continue;
    if (decision.action === 'resolve') {
      const { incident } = decision;
      const change: StateChange = { kind: 'incident-close', reason: decision.reason, dedupKey: incident.dedupKey, incident };
      notifications.push({ action: 'resolve', reason: decision.reason, event: buildResolveEvent(incident), change });
      continue;
    }
    const change: StateChange = { kind: 'incident-open', reason: decision.reason, incident: factsOf(decision.breach), audit: true };
    notifications.push({
      action: decision.action,
      reason: decision.reason,
      event: buildTriggerEvent(decision.breach, context, now),
      change,
    });
  }
  return notifications;
}

/** Builds the events of application incidents; delivering one records the identities it covers. Pure. */
export function planStormNotifications(decisions: readonly StormDecision[], context: EventContext, now: Date): Notification[] {
  return decisions.map((decision): Notification => {
    if (decision.action === 'resolve') {
      const { dedupKey } = decision.storm;
      return {
        action: 'resolve',
        reason: decision.reason,
        event: buildResolveEvent(decision.storm),
        change: { kind: 'storm-close', dedupKey },
      };
    }
    const { storm } = decision;
    const change: StateChange = {
      kind: 'storm-open',
      storm: { dedupKey: storm.dedupKey, application: storm.application, severity: storm.severity, identityCount: storm.identityCount },
      cover: decision.cover.map((covered) => ({
        reason: `${covered.reason} (paged through ${storm.dedupKey})`,
        incident: factsOf(covered.breach),
      })),
    };
    return { action: decision.action, reason: decision.reason, event: buildStormTriggerEvent(storm, context, now), change };
  });
}

/** The state changes of identities an open application incident covers (no event of their own). Pure. */
export function quietStateChanges(changes: readonly QuietChange[]): StateChange[] {
  return changes.map((change): StateChange => {
    if (change.kind === 'covered-update') {
      const { decision } = change;
      const coveredBy = decision.previous?.coveredBy;
      return {
        kind: 'incident-open',
        reason: decision.reason,
        incident: factsOf(decision.breach),
        ...(coveredBy ? { coveredBy } : {}),
        audit: false,
      };
    }
    const { incident, reason } = change.decision;
    return {
      kind: 'incident-close',
      reason,
      dedupKey: incident.dedupKey,
      incident,
      ...(incident.coveredBy ? { coveredBy: incident.coveredBy } : {}),
    };
  });
}

/** Counts of what delivery did. `notSent`: not started because the run was stopping (the next cycle sends them). */
export interface DeliveryCounts {
  triggered: number;
  retriggered: number;
  resolved: number;
  deadLettered: number;
  notSent: number;
}

/** The facts an incident keeps: how late it is now and what the source said about processing it go into the event only. */
function factsOf(breach: Breach): IncidentFacts {
  return omitKeys(breach, 'elapsedHours', 'lastRefresh', 'processingError');
}

/** Counts planned events by action, as a dry run's summary reports them. Pure. */
export function countPlanned(notifications: readonly Pick<Notification, 'action'>[]): DeliveryCounts {
  const counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 };
  for (const { action } of notifications) {
    if (action === 'trigger') counts.triggered += 1;
    else if (action === 'retrigger') counts.retriggered += 1;
    else counts.resolved += 1;
  }
  return counts;
}
