import { DeliveryLoop, type DeliveryOutcome, type PlannedDelivery } from '../delivery/delivery-loop.js';
import { buildResolveEvent } from '../pagerduty/events.js';
import { buildHealthTriggerEvent } from '../pagerduty/health-event.js';
import type { PagerDutySender } from '../pagerduty/sender.js';
import { HEALTH_DEDUP_KEY, decideHealth, settleHealth, type HealthDecision, type HealthDelivery } from '../sla/health.js';
import type { OpenIncident } from '../sla/incident.js';
import type { OpenTaskIncident } from '../sla/chain-task.js';
import type { QuietChange } from '../sla/storm.js';
import type { WatchdogState } from '../state/state-file.js';
import type { CycleInput } from './cycle-input.js';
import { quietStateChanges, type DeliveryCounts, type Notification } from './notifications.js';
import type { ObserveResult } from './observe-input.js';

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
      await loop.record(quietStateChanges(quiet));
      const counts = countOutcomes(notifications, await loop.deliver(notifications));
      // The health is not judged on a run that is stopping: the next cycle decides again.
      if (loop.stopping) return { counts, health: state.health };
      // (the classified form only: state and the health event never carry what the source sent)
      const failure = counts.deadLettered > 0 ? `${counts.deadLettered} PagerDuty event(s) dead-lettered` : observed.readErrorClassified;
      const decision = decideHealth(state.health, failure, config.health.alertAfterFailures);
      const planned = planHealthDelivery(decision, config.pagerduty.source, now);
      const [outcome] = planned ? await loop.deliver([planned]) : [];
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

/** The health incident's event, when the decision pages or resolves it. Pure. */
export function planHealthDelivery(decision: HealthDecision, source: string, now: Date): PlannedDelivery | undefined {
  if (!decision.action) return undefined;
  const event =
    decision.action === 'trigger' ? buildHealthTriggerEvent(decision.next, source, now) : buildResolveEvent({ dedupKey: HEALTH_DEDUP_KEY });
  return { event, change: { kind: 'health', incidentOpen: decision.action === 'trigger' } };
}

/** The cycle's counts from the loop's outcomes, in the order of the notifications. Pure. */
export function countOutcomes(notifications: readonly Notification[], outcomes: readonly DeliveryOutcome[]): DeliveryCounts {
  const counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 };
  notifications.forEach((notification, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined || outcome.kind === 'not-sent') counts.notSent += 1;
    else if (outcome.kind === 'failed') counts.deadLettered += 1;
    else counts[notification.action === 'trigger' ? 'triggered' : notification.action === 'retrigger' ? 'retriggered' : 'resolved'] += 1;
  });
  return counts;
}
