import type { ObserveResult } from './observe-input.js';
import { deliverNotifications, sendRecorded, type DeliveryTargets } from './deliver.js';
import { appendAuditRecords } from '../state/audit-log.js';
import { describeError } from '../errors.js';
import { buildResolveEvent } from '../pagerduty/events.js';
import { buildHealthTriggerEvent } from '../pagerduty/health-event.js';
import { quietStateChanges, type DeliveryCounts, type Notification } from './notifications.js';
import type { PagerDutySender } from '../pagerduty/sender.js';
import { HEALTH_DEDUP_KEY, decideHealth, type HealthState } from '../sla/health.js';
import type { StateChange } from '../sla/state-change.js';
import type { QuietChange } from '../sla/storm.js';
import { DeliveryRecorder } from '../state/delivery-recorder.js';
import { saveState } from '../state/load-state.js';
import type { OpenIncident } from '../sla/incident.js';
import type { OpenTaskIncident } from '../sla/chain-task.js';
import type { WatchdogState } from '../state/state-file.js';
import type { CycleInput } from './cycle-input.js';
import { missingTicket } from '../state/delivery-recorder.js';

/**
 * Sends the cycle's events through the journal (spec 5) and writes the state. A journal that
 * cannot be written stops new sends; the state is still written if it can be, and the run then
 * ends with that LocalFileError (exit 5).
 */
export async function deliverAndRecord(
  input: CycleInput,
  sender: PagerDutySender,
  state: WatchdogState,
  observed: ObserveResult,
  notifications: readonly Notification[],
  quiet: readonly QuietChange[],
): Promise<{ counts: DeliveryCounts; incidents: Record<string, OpenIncident>; tasks: Record<string, OpenTaskIncident> }> {
  const { config, logger, now } = input;
  const halt = new AbortController();
  const forwardStop = (): void => halt.abort(input.stop?.reason);
  if (input.stop?.aborted) forwardStop();
  input.stop?.addEventListener('abort', forwardStop, { once: true });
  const recorder = await DeliveryRecorder.open(
    config.state.path,
    { incidents: state.incidents, storms: state.storms, health: state.health, tasks: state.tasks },
    (error) => {
      logger.error({ error: error.message }, 'the journal could not be written: no new event is sent');
      halt.abort(error);
    },
  );
  const targets: DeliveryTargets = {
    sender,
    recorder,
    auditPath: config.audit.path,
    deadLetterPath: config.deadLetter.path,
    now,
    logger,
    halt: halt.signal,
    writeStderr: input.writeStderr,
  };
  let counts: DeliveryCounts;
  let health: HealthState;
  try {
    await appendAuditRecords(await recorder.record(quietStateChanges(quiet), now.toISOString()), targets.auditPath, targets.logger);
    counts = await deliverNotifications(notifications, targets);
    const failure = counts.deadLettered > 0 ? `${counts.deadLettered} PagerDuty event(s) dead-lettered` : observed.readErrorClassified;
    // (the classified form only: state and the health event never carry what IIQ sent, spec 4.4)
    const healthDelivered = await sendHealth(input, state.health, failure, targets);
    if (!healthDelivered.ok) counts.deadLettered += 1;
    health = healthDelivered.health;
  } finally {
    input.stop?.removeEventListener('abort', forwardStop);
    await recorder.close();
  }
  const finalState = {
    ...state,
    ...recorder.book,
    firstSeenInactive: observed.firstSeenInactive,
    health,
    lastEvaluatedAt: now.toISOString(),
  };
  try {
    await saveState(config.state.path, finalState);
  } catch (error) {
    if (!recorder.failure) throw error;
    logger.error({ error: describeError(error) }, 'the state file could not be written either: the next run folds the journal');
  }
  if (recorder.failure) throw recorder.failure;
  return { counts, incidents: recorder.book.incidents, tasks: recorder.book.tasks ?? {} };
}

/**
 * Pages (or resolves) the watchdog's own health incident through the journal; the health state
 * advances only on delivery, and not at all when the run is stopping.
 */
async function sendHealth(
  input: CycleInput,
  previous: HealthState,
  failure: string | undefined,
  targets: DeliveryTargets,
): Promise<{ ok: boolean; health: HealthState }> {
  const { config, logger, now } = input;
  if (targets.halt.aborted) return { ok: true, health: previous };
  const decision = decideHealth(previous, failure, config.health.alertAfterFailures);
  if (!decision.action) return { ok: true, health: decision.next };
  const event =
    decision.action === 'trigger'
      ? buildHealthTriggerEvent(decision.next, config.pagerduty.source, now)
      : buildResolveEvent({ dedupKey: HEALTH_DEDUP_KEY });
  const change: StateChange = { kind: 'health', incidentOpen: decision.action === 'trigger' };
  const [ticket = missingTicket()] = await targets.recorder.intend(
    [{ dedupKey: HEALTH_DEDUP_KEY, eventAction: event.event_action, change }],
    now.toISOString(),
  );
  const outcome = await sendRecorded(event, change, ticket, targets);
  if (outcome === 'delivered') {
    logger.warn(
      { event_action: event.event_action, dedup_key: HEALTH_DEDUP_KEY, consecutiveFailures: decision.next.consecutiveFailures },
      'watchdog health event delivered',
    );
    return { ok: true, health: decision.next };
  }
  if (outcome === 'not-sent') return { ok: true, health: previous };
  return { ok: false, health: { ...decision.next, incidentOpen: previous.incidentOpen } };
}
