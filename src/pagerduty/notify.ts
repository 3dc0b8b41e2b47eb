import type { Logger } from 'pino';
import type { Decision } from '../sla/decide.js';
import type { OpenIncident } from '../sla/incident.js';
import { appendAudit, type AuditRecord } from '../state/audit-log.js';
import { appendDeadLetter } from './dead-letter.js';
import { buildResolveEvent, buildTriggerEvent, type EventContext, type PagerDutyEvent } from './events.js';
import type { PagerDutySender } from './sender.js';

/** A decision turned into the event that carries it. */
export interface Notification {
  decision: Exclude<Decision, { action: 'hold' }>;
  event: PagerDutyEvent;
}

/** Builds the event of every trigger, re-trigger and resolve decision. Pure. */
export function planNotifications(decisions: readonly Decision[], context: EventContext, now: Date): Notification[] {
  const notifications: Notification[] = [];
  for (const decision of decisions) {
    if (decision.action === 'hold') continue;
    const event = decision.action === 'resolve' ? buildResolveEvent(decision.incident) : buildTriggerEvent(decision.breach, context, now);
    notifications.push({ decision, event });
  }
  return notifications;
}

/** Counts of what delivery did. */
export interface DeliveryCounts {
  triggered: number;
  retriggered: number;
  resolved: number;
  deadLettered: number;
}

/** Where delivery records its results. */
export interface DeliveryTargets {
  sender: PagerDutySender;
  /** Open incidents, updated in place only for delivered events. */
  incidents: Record<string, OpenIncident>;
  auditPath: string;
  deadLetterPath: string;
  now: Date;
  logger: Logger;
  /** Last resort when the dead-letter file cannot be written: the event goes to stderr in full. */
  writeStderr: (text: string) => void;
}

/**
 * Sends every notification. A delivered one advances the incident state and is audited; an
 * undeliverable one is dead-lettered and its state left as it was, so the next cycle retries.
 */
export async function deliverNotifications(notifications: readonly Notification[], targets: DeliveryTargets): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0 };
  await Promise.all(
    notifications.map(async ({ decision, event }) => {
      const result = await targets.sender.send(event);
      if (!result.ok) {
        counts.deadLettered += 1;
        await deadLetter(event, result.attempts, result.error, targets);
        return;
      }
      const sentAt = targets.now.toISOString();
      const audit = applyDelivered(decision, targets.incidents, sentAt);
      counts[decision.action === 'trigger' ? 'triggered' : decision.action === 'retrigger' ? 'retriggered' : 'resolved'] += 1;
      targets.logger.info({ event_action: event.event_action, dedup_key: event.dedup_key, reason: decision.reason, attempts: result.attempts }, 'PagerDuty event delivered');
      try {
        await appendAudit(targets.auditPath, audit);
      } catch (error) {
        targets.logger.error({ path: targets.auditPath, error: (error as Error).message, record: audit }, 'audit log could not be written');
      }
    }),
  );
  return counts;
}

/** Updates the open incidents for a delivered event and returns its audit record. */
export function applyDelivered(decision: Notification['decision'], incidents: Record<string, OpenIncident>, sentAt: string): AuditRecord {
  if (decision.action === 'resolve') {
    delete incidents[decision.incident.dedupKey];
    return auditResolve(decision.incident, sentAt, decision.reason);
  }
  const { elapsedHours: _elapsed, ...facts } = decision.breach;
  const incident: OpenIncident = { ...facts, firstSentAt: decision.previous?.firstSentAt ?? sentAt, lastSentAt: sentAt };
  incidents[incident.dedupKey] = incident;
  return auditTrigger(incident, sentAt, decision.reason);
}

/** The audit record of a delivered trigger (or re-trigger) of an incident. */
export function auditTrigger(incident: OpenIncident, sentAt: string, reason: string): AuditRecord {
  return auditBase(incident, sentAt, 'trigger', reason);
}

/** The audit record of a delivered resolve: with breach_minutes (from the SLA deadline) and open_minutes. */
export function auditResolve(incident: OpenIncident, sentAt: string, reason: string): AuditRecord {
  const sentMs = Date.parse(sentAt);
  return {
    ...auditBase(incident, sentAt, 'resolve', reason),
    breach_minutes: roundMinutes(sentMs - Date.parse(incident.slaDeadline)),
    open_minutes: roundMinutes(sentMs - Date.parse(incident.firstSentAt)),
  };
}

function auditBase(incident: OpenIncident, sentAt: string, action: 'trigger' | 'resolve', reason: string): AuditRecord {
  return {
    sent_at: sentAt,
    event_action: action,
    reason,
    dedup_key: incident.dedupKey,
    identity_id: incident.identityId,
    identity_name: incident.identityName,
    tier: incident.tier,
    ...(action === 'trigger' ? { severity: incident.severity } : {}),
    termination_date: incident.terminationDate,
    sla_hours: incident.slaHours,
    sla_deadline: incident.slaDeadline,
    active_applications: incident.activeApplications,
    active_account_count: incident.activeAccountCount,
  };
}

function roundMinutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}

/** Appends an undeliverable event to the dead-letter file; if that fails too, prints it on stderr. */
export async function deadLetter(event: PagerDutyEvent, attempts: number, error: string, targets: Pick<DeliveryTargets, "now" | "logger" | "deadLetterPath" | "writeStderr">): Promise<void> {
  const letter = { failedAt: targets.now.toISOString(), attempts, error, event };
  targets.logger.error({ dedup_key: event.dedup_key, event_action: event.event_action, attempts, error }, 'PagerDuty event undeliverable: dead-lettered');
  try {
    await appendDeadLetter(targets.deadLetterPath, letter);
  } catch (writeError) {
    targets.logger.error({ path: targets.deadLetterPath, error: (writeError as Error).message }, 'dead-letter file could not be written: the event follows on stderr');
    targets.writeStderr(`${JSON.stringify({ deadLetter: letter })}\n`);
  }
}
