/**
 * A cycle's events: planned from the decisions (identity, application and quiet changes), then
 * sent through the journaled delivery loop together with the watchdog's own health event.
 */
import type { Decision } from '../sla/decide.js';
import type { Breach, OpenIncident } from '../sla/incident.js';
import type { IncidentFacts, StateChange } from '../sla/state-change.js';
import type { QuietChange, StormDecision } from '../sla/storm.js';
import { buildResolveEvent, buildTriggerEvent, type EventContext, type PagerDutyEvent } from '../pagerduty/events.js';
import { buildStormTriggerEvent } from '../pagerduty/storm-event.js';
import { omitKeys } from '../omit-keys.js';
import { DeliveryLoop } from '../delivery/delivery-loop.js';
import { buildHealthTriggerEvent } from '../pagerduty/health-event.js';
import type { PagerDutySender } from '../pagerduty/sender.js';
import { HEALTH_DEDUP_KEY, decideHealth, settleHealth, type HealthDelivery } from '../sla/health.js';
import type { OpenTaskIncident } from '../sla/chain-task.js';
import type { WatchdogState } from '../state/state-file.js';
import type { CycleInput } from './cycle-input.js';
import type { ObserveResult } from './observe-input.js';

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

/**
 * Sends the cycle's events through the journaled delivery loop, then decides the
 * watchdog's own health from how that went and hands its event to the same loop, and writes
 * the state. A journal or state file that cannot be written ends the run with exit 5.
 */
export async function deliverCycle(
  input: CycleInput,
  sender: PagerDutySender,
  state: WatchdogState,
  observed: ObserveResult,
  notifications: readonly Notification[],
  quiet: readonly QuietChange[],
): Promise<{ counts: DeliveryCounts; incidents: Record<string, OpenIncident>; tasks: Record<string, OpenTaskIncident> }> {
  const { config, logger, now } = input;
  const { result, book } = await DeliveryLoop.run(
    {
      statePath: config.state.path,
      auditPath: config.audit.path,
      deadLetterPath: config.deadLetter.path,
      book: { incidents: state.incidents, storms: state.storms, health: state.health, tasks: state.tasks },
      sender,
      logger,
      clock: () => now,
      stop: input.stop,
      writeStderr: input.writeStderr,
    },
    async (loop) => {
      // Identities an open application incident covers change the state without an event of their own.
      if (quiet.length > 0) await loop.record(quietStateChanges(quiet));
      // The cycle's counts, from the loop's outcomes in the order of the notifications.
      const counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 };
      const outcomes = await loop.deliver(notifications);
      notifications.forEach((notification, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined || outcome.kind === 'not-sent') counts.notSent += 1;
        else if (outcome.kind === 'failed') counts.deadLettered += 1;
        else
          counts[notification.action === 'trigger' ? 'triggered' : notification.action === 'retrigger' ? 'retriggered' : 'resolved'] += 1;
      });
      // The health is not judged on a run that is stopping: the next cycle decides again.
      if (loop.stopping) return { counts, health: state.health };
      // (the classified form only: state and the health event never carry what the source sent)
      const failure = counts.deadLettered > 0 ? `${counts.deadLettered} PagerDuty event(s) dead-lettered` : observed.readErrorClassified;
      const decision = decideHealth(state.health, failure, config.health.alertAfterFailures);
      // The health incident's event, when the decision pages or resolves it.
      const event =
        decision.action === 'trigger'
          ? buildHealthTriggerEvent(decision.next, config.pagerduty.source, now)
          : decision.action === 'resolve'
            ? buildResolveEvent({ dedupKey: HEALTH_DEDUP_KEY })
            : undefined;
      const [outcome] = event
        ? await loop.deliver([{ event, change: { kind: 'health', incidentOpen: decision.action === 'trigger' } }])
        : [];
      const delivery: HealthDelivery = outcome === undefined ? 'none' : outcome.kind;
      if (delivery === 'failed') counts.deadLettered += 1;
      if (delivery === 'delivered')
        logger.warn(
          { event_action: decision.action, dedup_key: HEALTH_DEDUP_KEY, consecutiveFailures: decision.next.consecutiveFailures },
          'watchdog health event delivered',
        );
      return { counts, health: settleHealth(state.health, decision, delivery) };
    },
    (delivered, { health }) => ({
      ...state,
      ...delivered,
      firstSeenInactive: observed.firstSeenInactive,
      health,
      lastEvaluatedAt: now.toISOString(),
    }),
  );
  return { counts: result.counts, incidents: book.incidents, tasks: book.tasks ?? {} };
}
