import type { Logger } from 'pino';
import { ExitCode } from '../errors.js';
import { DeliveryLoop, type DeliveryOutcome, type PlannedDelivery } from '../delivery/delivery-loop.js';
import type { DeliveryMode } from '../delivery/mode.js';
import { withRunLock } from '../state/run-lock.js';
import { planReplay, withReplayReason, type IncidentHistory, type ReplayStep } from './replay-plan.js';
import { readDeadLetters } from '../state/dead-letter-file.js';
import { rewriteKeepingLines } from '../state/json-lines.js';
import { readAuditHistory } from './audit-history.js';
import { describeFileCause, guardLocalFile } from '../state/local-file.js';
import { loadState } from '../state/state-file.js';
import { exitCodeForStop } from '../cycle/run-cycle.js';

/** What a replay needs; I/O is injected so tests can swap it. */
export interface ReplayInput {
  deadLetterPath: string;
  statePath: string;
  auditPath: string;
  /** A dry run prints what it would send (stdout, one JSON line each) and changes nothing. */
  mode: DeliveryMode;
  /** How many lines are in flight at once (the sender paces and limits on its own as well). */
  concurrency: number;
  logger: Logger;
  /** `health.alertAfterFailures`: whether a dead-lettered health trigger still stands. */
  alertAfterFailures: number;
  /** The clock for sent-at instants (read at each delivery: a replay may take minutes). */
  clock?: () => Date;
  /** Aborts (reason `SIGTERM` / `SIGINT`) when replay must stop: no new event is sent, what was delivered is recorded. */
  stop?: AbortSignal;
  /** Where a dry run prints its plan. */
  writeStdout?: (text: string) => void;
  /** Last resort for an event no file can take (not used by replay's own lines, which stay in place). */
  writeStderr?: (text: string) => void;
}

/** Counts of the final log record. */
export interface ReplaySummary {
  lines: number;
  delivered: number;
  superseded: number;
  failed: number;
  notAttempted: number;
  unparseable: number;
  /** Lines whose dedup key is not the watchdog's: kept untouched, never sent. */
  foreign: number;
  remaining: number;
}

/** The outcome of a replay: exit 0 only when no line remains (130 / 143 when stopped by a signal). */
export interface ReplayOutcome {
  exitCode: ExitCode;
  summary: ReplaySummary;
}

export const REPLAY_REASON = 'dead-letter replay';

type SendStep = Extract<ReplayStep, { kind: 'send' }>;

/**
 * `replay`: under the run lock, re-sends the dead-lettered events that still stand,
 * in file order, with the current routing key, through the same journaled delivery loop as a
 * cycle; rewrites the file atomically with the lines that remain, each byte for byte as it was
 * (deletes it when none). Only the watchdog's own dedup keys are ever sent.
 */
export async function replayDeadLetters(input: ReplayInput): Promise<ReplayOutcome> {
  if (input.mode.kind === 'dry-run') return replay(input);
  return withRunLock(input.statePath, input.logger, () => replay(input));
}

async function replay(input: ReplayInput): Promise<ReplayOutcome> {
  const { logger } = input;
  const clock = input.clock ?? (() => new Date());
  const dryRun = input.mode.kind === 'dry-run';
  let read: Awaited<ReturnType<typeof readDeadLetters>>;
  try {
    read = await readDeadLetters(input.deadLetterPath);
  } catch (error) {
    logger.fatal(
      { path: input.deadLetterPath, error: describeFileCause(input.deadLetterPath, error) },
      'dead-letter file unreadable: nothing replayed',
    );
    return outcome(logger, { ...zero(), remaining: 1 });
  }
  if (read === undefined) return outcome(logger, zero());
  const entries = read;
  const keys = new Set(entries.flatMap((entry) => (entry.letter ? [entry.letter.event.dedup_key] : [])));
  const untouched = (): ReplayOutcome => outcome(logger, { ...zero(), lines: entries.length, remaining: entries.length });

  // The journal of an interrupted run comes first: replay must see every incident it opened.
  const { state, corrupt } = await loadState(input.statePath, clock(), { logger, write: !dryRun, moveCorruptAside: false });
  if (corrupt) {
    // Without the open incidents, supersession cannot be judged safely: touch nothing.
    logger.fatal(
      { path: input.statePath, reason: corrupt.reason },
      'STATE FILE CORRUPT: nothing replayed; run a cycle first (it moves the file aside and rebuilds the open incidents), then replay',
    );
    return untouched();
  }
  let history: Map<string, IncidentHistory>;
  try {
    history = await readAuditHistory(input.auditPath, keys, (skipped) =>
      logger.warn({ path: input.auditPath, ...skipped }, 'audit line skipped: too long to read'),
    );
  } catch (error) {
    // Without the audit log a resolved incident could be re-opened: touch nothing.
    logger.fatal(
      { path: input.auditPath, error: (error as Error).message },
      'audit log unreadable: nothing replayed (superseded events cannot be told)',
    );
    return untouched();
  }
  const steps = planReplay(entries, { ...state, alertAfterFailures: input.alertAfterFailures }, history);

  const summary: ReplaySummary = { ...zero(), lines: entries.length };
  const remaining = new Set<number>();
  for (const step of steps) {
    if (step.kind === 'send') continue;
    logStep(logger, step);
    if (step.kind === 'keep') remaining.add(step.entry.line);
    summary[step.kind === 'drop' ? 'superseded' : step.foreign ? 'foreign' : 'unparseable'] += 1;
  }
  const sends = steps.filter((step): step is SendStep => step.kind === 'send');
  const planned = sends.map((step): PlannedDelivery => ({
    event: step.letter.event,
    change: step.change && withReplayReason(step.change, REPLAY_REASON),
    reason: REPLAY_REASON,
  }));

  if (input.mode.kind === 'dry-run') {
    for (const [i, step] of sends.entries())
      input.writeStdout?.(`${JSON.stringify({ action: 'replay', line: step.entry.line, event: planned[i]?.event })}\n`);
    return outcome(logger, { ...summary, notAttempted: sends.length, remaining: remaining.size + sends.length });
  }
  if (sends.length > 0) {
    const { result: outcomes } = await DeliveryLoop.run(
      {
        statePath: input.statePath,
        auditPath: input.auditPath,
        // A line that still fails stays where it is: the file is rewritten below.
        deadLetterPath: undefined,
        book: { incidents: state.incidents, storms: state.storms, health: state.health, tasks: state.tasks },
        sender: input.mode.sender,
        logger,
        clock,
        stop: input.stop,
        writeStderr: input.writeStderr ?? (() => undefined),
      },
      (loop) => loop.deliver(planned, { concurrency: input.concurrency, stopWhenUnavailable: true }),
      (book) => ({ ...state, ...book }),
    );
    sends.forEach((step, i) => {
      countSend(logger, step, outcomes[i], summary, state.incidents);
      if (outcomes[i]?.kind !== 'delivered') remaining.add(step.entry.line);
    });
  }

  const kept = entries.filter((entry) => remaining.has(entry.line));
  summary.remaining = kept.length;
  // Nothing left: the file is removed, so "no dead-letter file" means "nothing undelivered".
  // Streamed from the file itself, byte for byte: a kept line too long to read is copied, never held whole.
  await guardLocalFile('rewrite the dead-letter file', input.deadLetterPath, () =>
    rewriteKeepingLines(input.deadLetterPath, (line) => remaining.has(line)),
  );
  return outcome(logger, summary, exitCodeForStop(input.stop));
}

function countSend(
  logger: Logger,
  step: SendStep,
  result: DeliveryOutcome | undefined,
  summary: ReplaySummary,
  incidents: Readonly<Record<string, unknown>>,
): void {
  const { event } = step.letter;
  const where = { line: step.entry.line, dedup_key: event.dedup_key, event_action: event.event_action };
  if (result === undefined || result.kind === 'not-sent') {
    summary.notAttempted += 1;
    logger.warn(
      where,
      result?.why === 'unavailable'
        ? 'dead-letter line kept: not attempted, PagerDuty is still failing'
        : 'dead-letter line kept: not attempted, replay is stopping',
    );
    return;
  }
  if (result.kind === 'failed') {
    summary.failed += 1;
    logger.error({ ...where, attempts: result.attempts, error: result.error }, 'dead-letter line kept: still undeliverable');
    return;
  }
  summary.delivered += 1;
  logger.info({ ...where, attempts: result.attempts }, 'dead-lettered event delivered');
  if (!step.change) logger.warn(where, 'replayed event describes no incident: state and audit left as they were');
  else if (step.change.kind === 'incident-close' && !step.change.incident && !(event.dedup_key in incidents))
    logger.warn(where, 'replayed resolve for an incident neither state nor audit knows: no audit line');
}

function logStep(logger: Logger, step: Exclude<ReplayStep, { kind: 'send' }>): void {
  const key = step.entry.letter?.event.dedup_key;
  if (step.kind === 'drop')
    logger.info({ line: step.entry.line, dedup_key: key, reason: step.reason }, 'dead-letter line dropped: superseded');
  else if (step.foreign)
    logger.error(
      { line: step.entry.line, dedup_key: key?.slice(0, 255), reason: step.reason },
      'dead-letter line kept untouched: not a watchdog event, never sent; remove it by hand',
    );
  else
    logger.error(
      { line: step.entry.line, reason: step.reason, text: step.entry.raw.slice(0, 200) },
      'dead-letter line kept: unparseable, fix or remove it by hand',
    );
}

function zero(): ReplaySummary {
  return { lines: 0, delivered: 0, superseded: 0, failed: 0, notAttempted: 0, unparseable: 0, foreign: 0, remaining: 0 };
}

function outcome(logger: Logger, summary: ReplaySummary, stopped?: ExitCode): ReplayOutcome {
  const exitCode = stopped ?? (summary.remaining === 0 ? ExitCode.ok : ExitCode.deadLettered);
  logger[exitCode === ExitCode.ok ? 'info' : 'error']({ summary, exitCode }, 'replay summary');
  return { exitCode, summary };
}
