import type { Logger } from 'pino';
import type { Decision } from '../sla/decide.js';
import type { OpenIncident } from '../sla/incident.js';
import type { OpenStorm, QuietChange, StormDecision } from '../sla/storm.js';
import { appendAudit, type AuditRecord } from '../state/audit-log.js';
import { appendDeadLetter } from './dead-letter.js';
import { buildResolveEvent, buildTriggerEvent, type EventContext, type PagerDutyEvent } from './events.js';
import { buildStormTriggerEvent } from './storm-event.js';
import type { PagerDutySender } from './sender.js';

/** The incident state delivery advances: identity incidents and application (storm) incidents. */
export interface IncidentBook {
  incidents: Record<string, OpenIncident>;
  storms: Record<string, OpenStorm>;
}

/** An event to send, and what its delivery changes. */
export interface Notification {
  action: 'trigger' | 'retrigger' | 'resolve';
  reason: string;
  event: PagerDutyEvent;
  /** Advances the state for the delivered event; returns the audit records to append. */
  apply(book: IncidentBook, sentAt: string): AuditRecord[];
}

/** Builds the event of every identity trigger, re-trigger and resolve decision (holds send nothing). Pure. */
export function planNotifications(decisions: readonly Decision[], context: EventContext, now: Date): Notification[] {
  const notifications: Notification[] = [];
  for (const decision of decisions) {
    if (decision.action === 'hold') continue;
    const event = decision.action === 'resolve' ? buildResolveEvent(decision.incident) : buildTriggerEvent(decision.breach, context, now);
    notifications.push({ action: decision.action, reason: decision.reason, event, apply: (book, sentAt) => [applyDelivered(decision, book.incidents, sentAt)] });
  }
  return notifications;
}

/** Builds the events of application incidents; delivering one records the identities it covers. Pure. */
export function planStormNotifications(decisions: readonly StormDecision[], context: EventContext, now: Date): Notification[] {
  return decisions.map((decision) => {
    if (decision.action === 'resolve') {
      return {
        action: 'resolve',
        reason: decision.reason,
        event: buildResolveEvent(decision.storm),
        apply: (book) => (delete book.storms[decision.storm.dedupKey], []),
      };
    }
    const { storm, previous } = decision;
    return {
      action: decision.action,
      reason: decision.reason,
      event: buildStormTriggerEvent(storm, context, now),
      apply: (book, sentAt) => {
        book.storms[storm.dedupKey] = {
          dedupKey: storm.dedupKey,
          application: storm.application,
          severity: storm.severity,
          identityCount: storm.identityCount,
          firstSentAt: previous?.firstSentAt ?? sentAt,
          lastSentAt: sentAt,
        };
        return decision.cover.map((covered) => {
          const incident = recordTrigger(covered, book.incidents, sentAt, storm.dedupKey);
          return { ...auditTrigger(incident, sentAt, `${covered.reason} (paged through ${storm.dedupKey})`), covered_by: storm.dedupKey };
        });
      },
    };
  });
}

/** Records what changed for identities an open application incident covers (no event of their own). */
export function applyQuietChanges(changes: readonly QuietChange[], book: IncidentBook, at: string): AuditRecord[] {
  return changes.flatMap((change) => {
    if (change.kind === 'covered-update') {
      recordTrigger(change.decision, book.incidents, at, change.decision.previous?.coveredBy);
      return [];
    }
    const incident = change.decision.incident;
    delete book.incidents[incident.dedupKey];
    return [{ ...auditResolve(incident, at, change.decision.reason), covered_by: incident.coveredBy }];
  });
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
  book: IncidentBook;
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
    notifications.map(async (notification) => {
      const { event } = notification;
      const result = await targets.sender.send(event);
      if (!result.ok) {
        counts.deadLettered += 1;
        await deadLetter(event, result.attempts, result.error, targets);
        return;
      }
      const records = notification.apply(targets.book, targets.now.toISOString());
      counts[notification.action === 'trigger' ? 'triggered' : notification.action === 'retrigger' ? 'retriggered' : 'resolved'] += 1;
      targets.logger.info({ event_action: event.event_action, dedup_key: event.dedup_key, reason: notification.reason, attempts: result.attempts }, 'PagerDuty event delivered');
      await appendAuditRecords(records, targets);
    }),
  );
  return counts;
}

/** Appends audit records; a failure is logged with the records, never fatal (the event was delivered). */
export async function appendAuditRecords(records: readonly AuditRecord[], targets: Pick<DeliveryTargets, 'auditPath' | 'logger'>): Promise<void> {
  for (const record of records) {
    try {
      await appendAudit(targets.auditPath, record);
    } catch (error) {
      targets.logger.error({ path: targets.auditPath, error: (error as Error).message, record }, 'audit log could not be written');
    }
  }
}

/** Updates the open incidents for a delivered identity event and returns its audit record. */
export function applyDelivered(decision: Exclude<Decision, { action: 'hold' }>, incidents: Record<string, OpenIncident>, sentAt: string): AuditRecord {
  if (decision.action === 'resolve') {
    delete incidents[decision.incident.dedupKey];
    return auditResolve(decision.incident, sentAt, decision.reason);
  }
  return auditTrigger(recordTrigger(decision, incidents, sentAt, undefined), sentAt, decision.reason);
}

function recordTrigger(
  decision: Extract<Decision, { action: 'trigger' | 'retrigger' }>,
  incidents: Record<string, OpenIncident>,
  sentAt: string,
  coveredBy: string | undefined,
): OpenIncident {
  const { elapsedHours: _elapsed, ...facts } = decision.breach;
  const incident: OpenIncident = { ...facts, firstSentAt: decision.previous?.firstSentAt ?? sentAt, lastSentAt: sentAt, ...(coveredBy ? { coveredBy } : {}) };
  incidents[incident.dedupKey] = incident;
  return incident;
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
    ...(incident.unknownAccountCount ? { unknown_status_applications: incident.unknownApplications ?? [], unknown_status_account_count: incident.unknownAccountCount } : {}),
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
