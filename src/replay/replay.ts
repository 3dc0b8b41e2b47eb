import { readFile, rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { ExitCode, describeError } from '../errors.js';
import { planReplay, withReplayReason, type IncidentHistory, type ReplayStep } from './replay-plan.js';
import type { PagerDutySender } from '../pagerduty/sender.js';
import { appendAuditRecords, type DeliveryAuditRecord } from '../state/audit-log.js';
import { parseDeadLetters } from '../state/dead-letter-file.js';
import { readAuditHistory } from './audit-history.js';
import { guardLocalFile } from '../state/local-file.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { DeliveryRecorder, missingTicket, type DeliveryTicket } from '../state/delivery-recorder.js';
import { loadState, saveState } from '../state/load-state.js';
import { acquireRunLock } from '../state/run-lock.js';
import { exitCodeForStop } from '../cycle/stop-signal.js';

/** What a replay needs; I/O is injected so tests can swap it. */
export interface ReplayInput {
  deadLetterPath: string;
  statePath: string;
  auditPath: string;
  sender: PagerDutySender;
  /** How many lines are in flight at once (the sender paces and limits on its own as well). */
  concurrency: number;
  logger: Logger;
  /** `health.alertAfterFailures`: whether a dead-lettered health trigger still stands. */
  alertAfterFailures: number;
  /** The clock for sent-at instants (read at each delivery: a replay may take minutes). */
  clock?: () => Date;
  /** Aborts (reason `SIGTERM` / `SIGINT`) when replay must stop: no new event is sent, what was delivered is recorded. */
  stop?: AbortSignal;
}

/** Counts of the final log record. */
export interface ReplaySummary {
  lines: number;
  delivered: number;
  superseded: number;
  failed: number;
  notAttempted: number;
  unparseable: number;
  remaining: number;
}

/** The outcome of a replay: exit 0 only when no line remains (130 / 143 when stopped by a signal). */
export interface ReplayOutcome {
  exitCode: ExitCode;
  summary: ReplaySummary;
}

export const REPLAY_REASON = 'dead-letter replay';

/**
 * `replay` (spec 6): under the run lock, re-sends the dead-lettered events that still stand,
 * in file order, with the current routing key; records delivered ones in state and audit as a
 * cycle would; rewrites the file atomically with the lines that remain (deletes it when none).
 */
export async function replayDeadLetters(input: ReplayInput): Promise<ReplayOutcome> {
  const lockPath = `${input.statePath}.lock`;
  const lock = await guardLocalFile('create the run lock', lockPath, () => acquireRunLock(lockPath));
  try {
    return await replay(input);
  } finally {
    await lock
      .release()
      .catch((error: unknown) => input.logger.error({ path: lockPath, error: describeError(error) }, 'run lock could not be removed'));
  }
}

async function replay(input: ReplayInput): Promise<ReplayOutcome> {
  const { logger } = input;
  const clock = input.clock ?? (() => new Date());
  let text: string;
  try {
    text = await readFile(input.deadLetterPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return outcome(logger, zero());
    logger.fatal({ path: input.deadLetterPath, error: (error as Error).message }, 'dead-letter file unreadable: nothing replayed');
    return outcome(logger, { ...zero(), remaining: 1 });
  }
  const entries = parseDeadLetters(text);
  const keys = new Set(entries.flatMap((entry) => (entry.letter ? [entry.letter.event.dedup_key] : [])));

  // The journal of an interrupted run comes first: replay must see every incident it opened.
  const { state, corrupt } = await loadState(input.statePath, clock(), { logger, write: true, moveCorruptAside: false });
  if (corrupt) {
    // Without the open incidents, supersession cannot be judged safely: touch nothing.
    logger.fatal(
      { path: input.statePath, reason: corrupt.reason },
      'STATE FILE CORRUPT: nothing replayed; run a cycle first (it moves the file aside), then replay',
    );
    return outcome(logger, { ...zero(), lines: entries.length, remaining: entries.length });
  }
  let history: Map<string, IncidentHistory>;
  try {
    history = await readAuditHistory(input.auditPath, keys);
  } catch (error) {
    // Without the audit log a resolved incident could be re-opened: touch nothing.
    logger.fatal(
      { path: input.auditPath, error: (error as Error).message },
      'audit log unreadable: nothing replayed (superseded events cannot be told)',
    );
    return outcome(logger, { ...zero(), lines: entries.length, remaining: entries.length });
  }
  const steps = planReplay(entries, { ...state, alertAfterFailures: input.alertAfterFailures }, history);

  const summary: ReplaySummary = { ...zero(), lines: entries.length };
  const remaining = new Set<number>();
  const sends = steps.filter((step): step is Extract<ReplayStep, { kind: 'send' }> => step.kind === 'send');
  const halt = new AbortController();
  const forwardStop = (): void => halt.abort(input.stop?.reason);
  if (input.stop?.aborted) forwardStop();
  input.stop?.addEventListener('abort', forwardStop, { once: true });
  // Every delivery goes through the journal, as in a cycle: a replay killed half-way loses nothing.
  const recorder =
    sends.length === 0
      ? undefined
      : await DeliveryRecorder.open(
          input.statePath,
          { incidents: state.incidents, storms: state.storms, health: state.health, tasks: state.tasks },
          () => halt.abort('journal'),
        );
  try {
    const tickets = new Map<number, DeliveryTicket>();
    const recordable = sends.flatMap((step) => (step.change ? [{ step, change: step.change }] : []));
    const issued = recorder
      ? await recorder.intend(
          recordable.map(({ step, change }) => ({
            dedupKey: step.letter.event.dedup_key,
            eventAction: step.letter.event.event_action,
            change: withReplayReason(change, REPLAY_REASON),
          })),
          clock().toISOString(),
        )
      : [];
    recordable.forEach(({ step }, i) => tickets.set(step.entry.line, issued[i] ?? missingTicket()));
    let unavailable = false;
    const limit = pLimit(input.concurrency);
    await Promise.all(
      steps.map((step) =>
        limit(async () => {
          if (step.kind !== 'send') {
            logStep(logger, step);
            if (step.kind === 'keep') remaining.add(step.entry.line);
            summary[step.kind === 'drop' ? 'superseded' : 'unparseable'] += 1;
            return;
          }
          const { event } = step.letter;
          const ticket = tickets.get(step.entry.line);
          if (unavailable || halt.signal.aborted) {
            remaining.add(step.entry.line);
            summary.notAttempted += 1;
            if (ticket && recorder) await recorder.failed(ticket, clock().toISOString());
            logger.warn(
              { line: step.entry.line, dedup_key: event.dedup_key },
              unavailable
                ? 'dead-letter line kept: not attempted, PagerDuty is still failing'
                : 'dead-letter line kept: not attempted, replay is stopping',
            );
            return;
          }
          const result = await input.sender.send(event, halt.signal);
          if (!result.ok) {
            remaining.add(step.entry.line);
            if (ticket && recorder) await recorder.failed(ticket, clock().toISOString());
            if (result.stopped) {
              summary.notAttempted += 1;
              return;
            }
            summary.failed += 1;
            // A rejected event says nothing about PagerDuty's health; exhausted retries do.
            if (!result.rejected) unavailable = true;
            logger.error(
              {
                line: step.entry.line,
                dedup_key: event.dedup_key,
                event_action: event.event_action,
                attempts: result.attempts,
                error: result.error,
              },
              'dead-letter line kept: still undeliverable',
            );
            return;
          }
          summary.delivered += 1;
          logger.info(
            { line: step.entry.line, dedup_key: event.dedup_key, event_action: event.event_action, attempts: result.attempts },
            'dead-lettered event delivered',
          );
          if (!ticket || !recorder) {
            logger.warn({ dedup_key: event.dedup_key }, 'replayed event describes no incident: state and audit left as they were');
            return;
          }
          if (step.change?.kind === 'incident-close' && !step.change.incident && !state.incidents[event.dedup_key]) {
            logger.warn({ dedup_key: event.dedup_key }, 'replayed resolve for an incident neither state nor audit knows: no audit line');
          }
          const records: DeliveryAuditRecord[] = await recorder.delivered(ticket, clock().toISOString());
          await appendAuditRecords(records, input.auditPath, logger);
        }),
      ),
    );
  } finally {
    input.stop?.removeEventListener('abort', forwardStop);
    await recorder?.close();
  }

  if (recorder) {
    try {
      await saveState(input.statePath, { ...state, ...recorder.book });
    } catch (error) {
      if (!recorder.failure) throw error;
      logger.error({ error: describeError(error) }, 'the state file could not be written either: the next run folds the journal');
    }
    if (recorder.failure) throw recorder.failure;
  }
  const kept = entries.filter((entry) => remaining.has(entry.line));
  summary.remaining = kept.length;
  // Nothing left: the file is removed, so "no dead-letter file" means "nothing undelivered".
  await guardLocalFile('rewrite the dead-letter file', input.deadLetterPath, () =>
    kept.length === 0
      ? rm(input.deadLetterPath, { force: true })
      : writeFileAtomic(input.deadLetterPath, kept.map((entry) => `${entry.raw}\n`).join('')),
  );
  return outcome(logger, summary, exitCodeForStop(input.stop));
}

function logStep(logger: Logger, step: Exclude<ReplayStep, { kind: 'send' }>): void {
  const key = step.entry.letter?.event.dedup_key;
  if (step.kind === 'drop')
    logger.info({ line: step.entry.line, dedup_key: key, reason: step.reason }, 'dead-letter line dropped: superseded');
  else
    logger.error(
      { line: step.entry.line, reason: step.reason, text: step.entry.raw.slice(0, 200) },
      'dead-letter line kept: unparseable, fix or remove it by hand',
    );
}

function zero(): ReplaySummary {
  return { lines: 0, delivered: 0, superseded: 0, failed: 0, notAttempted: 0, unparseable: 0, remaining: 0 };
}

function outcome(logger: Logger, summary: ReplaySummary, stopped?: ExitCode): ReplayOutcome {
  const exitCode = stopped ?? (summary.remaining === 0 ? ExitCode.ok : ExitCode.deadLettered);
  logger[exitCode === ExitCode.ok ? 'info' : 'error']({ summary, exitCode }, 'replay summary');
  return { exitCode, summary };
}
