import { fitEvent } from '../pagerduty/events.js';
import { identityDedupKey } from '../sla/incident.js';
import { nextProcessingRequested, planProcessingRequests, type ProcessingRequestRule } from '../sla/processing-request.js';
import { appendProcessingRequestedRecords, type ProcessingRequestedRecord } from '../state/audit-processing.js';
import type { CycleInput } from './cycle-input.js';
import type { Notification } from './notifications.js';
import type { ObserveResult } from './observe-input.js';

/** What this cycle's processing requests came to. */
export interface ProcessingRequestsOutcome {
  /** Requests the source accepted (a dry run: the ones it would send). */
  requested: number;
  /** Requests the source refused or that failed on the way: tried again next cycle. */
  failures: number;
  /** The latest accepted request per identity, for the state and the triggers. */
  processingRequested: Record<string, string>;
}

/**
 * Hands the not-started leavers that are due to the source (opt-in), before the cycle's events.
 * A refused request is a warning and a count: it changes neither the exit code nor any incident,
 * and is due again next cycle because only an accepted one is remembered. A dry run prints the
 * plan and sends nothing.
 */
export async function requestProcessingOfStalledLeavers(
  input: CycleInput,
  observed: Pick<ObserveResult, 'notStartedLeavers' | 'listingComplete'>,
  previous: Readonly<Record<string, string>>,
  hasOpenIncident: (identityId: string) => boolean,
): Promise<ProcessingRequestsOutcome> {
  const { config, logger, now, source } = input;
  const rule: ProcessingRequestRule = {
    enabled: config.leaver.requestProcessing,
    afterMinutes: config.leaver.requestProcessingAfterMinutes,
  };
  const due = planProcessingRequests(observed.notStartedLeavers, previous, rule, now.getTime());
  const stillNotStarted = new Set(observed.notStartedLeavers.map((leaver) => leaver.id));
  const keep = (id: string): boolean => stillNotStarted.has(id) || hasOpenIncident(id);
  const accepted = Object.create(null) as Record<string, string>;
  const done = (requested: number, failures: number): ProcessingRequestsOutcome => ({
    requested,
    failures,
    processingRequested: nextProcessingRequested({ previous, accepted, listingComplete: observed.listingComplete, keep }),
  });
  if (due.length === 0) return done(0, 0);
  if (!source.requestProcessing) {
    logger.warn(
      { due: due.length },
      'leaver.requestProcessing is on but the source cannot be asked: set iiq.refreshWorkflow to the imported refresh workflow',
    );
    return done(0, 0);
  }
  if (input.mode.kind === 'dry-run') {
    for (const leaver of due)
      input.writeStdout(`${JSON.stringify({ action: 'request-processing', identity_id: leaver.id, identity_name: leaver.name })}\n`);
    return done(due.length, 0);
  }
  const requestedAt = now.toISOString();
  const outcomes = await source.requestProcessing(due.map(({ id, name }) => ({ id, name })));
  const records: ProcessingRequestedRecord[] = [];
  let failures = 0;
  due.forEach((leaver, i) => {
    const outcome = outcomes[i] ?? { kind: 'failed', error: 'no answer for this identity' };
    if (outcome.kind === 'accepted') {
      accepted[leaver.id] = requestedAt;
      records.push({
        event_action: 'processing-requested',
        identity_id: leaver.id,
        identity_name: leaver.name,
        requested_at: requestedAt,
        source_task_id: outcome.taskId ?? null,
      });
    } else {
      failures += 1;
      // The classified form only: what the source said stays in the request core's own log line.
      logger.warn(
        { identity: leaver.name, error: outcome.error },
        'processing request for a leaver still active in the source failed: tried again next cycle',
      );
    }
  });
  await appendProcessingRequestedRecords(records, config.audit.path, logger);
  if (records.length > 0) logger.info({ processingRequested: records.length }, 'stalled leavers handed to the source for processing');
  return done(records.length, failures);
}

/** Each trigger of a leaver with an accepted request carries its instant (`processing_requested_at`). Pure. */
export function withProcessingRequestedAt(
  notifications: readonly Notification[],
  processingRequested: Readonly<Record<string, string>>,
): Notification[] {
  const byKey = new Map(Object.entries(processingRequested).map(([id, at]) => [identityDedupKey(id), at]));
  return notifications.map((notification) => {
    const at = byKey.get(notification.event.dedup_key);
    const payload = notification.event.payload;
    if (at === undefined || notification.action === 'resolve' || !payload) return notification;
    const event = fitEvent({
      ...notification.event,
      payload: { ...payload, custom_details: { ...payload.custom_details, processing_requested_at: at } },
    });
    return { ...notification, event };
  });
}
