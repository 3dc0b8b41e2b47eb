import type { Logger } from 'pino';
import type { DeadLetter } from '../state/dead-letter-file.js';
import type { PagerDutyEvent } from '../pagerduty/events.js';
import type { DeliveryCounts, Notification } from './notifications.js';
import type { DeliveryResult, PagerDutySender } from '../pagerduty/sender.js';
import type { StateChange } from '../sla/state-change.js';
import { appendAuditRecords } from '../state/audit-log.js';
import { appendDeadLetter } from '../state/dead-letter-file.js';
import type { DeliveryRecorder } from '../state/delivery-recorder.js';
import { missingTicket } from '../state/delivery-recorder.js';

/** Where delivery records its results. */
export interface DeliveryTargets {
  sender: PagerDutySender;
  /** Journals each intent and answer, and advances the state (only for delivered events). */
  recorder: DeliveryRecorder;
  auditPath: string;
  deadLetterPath: string;
  now: Date;
  logger: Logger;
  /** Aborts when the run is stopping (a signal, or a journal that cannot be written): nothing new starts. */
  halt: AbortSignal;
  /** Last resort when the dead-letter file cannot be written: the event goes to stderr in full. */
  writeStderr: (text: string) => void;
}

/** One event delivered (or not), as the cycle counts it. */
export type SendOutcome = 'delivered' | 'dead-lettered' | 'not-sent';

/**
 * Sends every notification (spec 5). The intents are journaled first, in one fsynced write; a
 * delivered event is journaled, applied to the state and audited before the cycle goes on; an
 * undeliverable one is dead-lettered with its change and its state left as it was, so the next
 * cycle retries; one not started because the run is stopping is left to the next cycle.
 */
export async function deliverNotifications(notifications: readonly Notification[], targets: DeliveryTargets): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 };
  if (notifications.length === 0 || targets.halt.aborted) return { ...counts, notSent: notifications.length };
  const tickets = await targets.recorder.intend(
    notifications.map((n) => ({ dedupKey: n.event.dedup_key, eventAction: n.event.event_action, change: n.change })),
    targets.now.toISOString(),
  );
  await Promise.all(
    notifications.map(async (notification, i) => {
      const outcome = await sendRecorded(
        notification.event,
        notification.change,
        tickets[i] ?? missingTicket(),
        targets,
        notification.reason,
      );
      if (outcome === 'dead-lettered') counts.deadLettered += 1;
      else if (outcome === 'not-sent') counts.notSent += 1;
      else counts[notification.action === 'trigger' ? 'triggered' : notification.action === 'retrigger' ? 'retriggered' : 'resolved'] += 1;
    }),
  );
  return counts;
}

/** Sends one event whose intent is journaled and records the answer (state, audit, or dead letter). */
export async function sendRecorded(
  event: PagerDutyEvent,
  change: StateChange,
  ticket: Parameters<DeliveryRecorder['delivered']>[0],
  targets: DeliveryTargets,
  reason?: string,
): Promise<SendOutcome> {
  const result: DeliveryResult = await targets.sender.send(event, targets.halt);
  const at = targets.now.toISOString();
  if (!result.ok) {
    await targets.recorder.failed(ticket, at);
    if (result.stopped) {
      targets.logger.warn(
        { dedup_key: event.dedup_key, event_action: event.event_action, attempts: result.attempts },
        'PagerDuty event not sent: the run is stopping (the next cycle sends it)',
      );
      return 'not-sent';
    }
    await deadLetter(event, change, result.attempts, result.error, targets);
    return 'dead-lettered';
  }
  const records = await targets.recorder.delivered(ticket, at);
  targets.logger.info(
    { event_action: event.event_action, dedup_key: event.dedup_key, ...(reason ? { reason } : {}), attempts: result.attempts },
    'PagerDuty event delivered',
  );
  await appendAuditRecords(records, targets.auditPath, targets.logger);
  return 'delivered';
}

/** Appends an undeliverable event, with the change its delivery makes, to the dead-letter file; if that fails too, prints it on stderr. */
export async function deadLetter(
  event: PagerDutyEvent,
  change: StateChange | undefined,
  attempts: number,
  error: string,
  targets: Pick<DeliveryTargets, 'now' | 'logger' | 'deadLetterPath' | 'writeStderr'>,
): Promise<void> {
  const letter: DeadLetter = { failedAt: targets.now.toISOString(), attempts, error, event, ...(change ? { change } : {}) };
  targets.logger.error(
    { dedup_key: event.dedup_key, event_action: event.event_action, attempts, error },
    'PagerDuty event undeliverable: dead-lettered',
  );
  try {
    await appendDeadLetter(targets.deadLetterPath, letter);
  } catch (writeError) {
    targets.logger.error(
      { path: targets.deadLetterPath, error: (writeError as Error).message },
      'dead-letter file could not be written: the event follows on stderr',
    );
    targets.writeStderr(`${JSON.stringify({ deadLetter: letter })}\n`);
  }
}
