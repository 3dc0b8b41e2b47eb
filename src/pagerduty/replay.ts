import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { ExitCode } from '../errors.js';
import { HEALTH_DEDUP_KEY } from '../sla/health.js';
import type { AuditRecord } from '../state/audit-log.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { acquireRunLock } from '../state/run-lock.js';
import { readState, writeState, type WatchdogState } from '../state/state-file.js';
import { appendAuditRecords, auditResolve, auditTrigger } from './notify.js';
import {
  addToHistory,
  incidentFromAudit,
  incidentFromTrigger,
  parseDeadLetters,
  planReplay,
  STORM_KEY_PREFIX,
  stormFromTrigger,
  type IncidentHistory,
  type ReplayStep,
} from './replay-plan.js';
import type { PagerDutySender } from './sender.js';

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
  /** The clock for sent-at instants. */
  now?: () => Date;
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

/** The outcome of a replay: exit 0 only when no line remains. */
export interface ReplayOutcome {
  exitCode: typeof ExitCode.ok | typeof ExitCode.deadLettered;
  summary: ReplaySummary;
}

export const REPLAY_REASON = 'dead-letter replay';

/**
 * `replay` (spec 6): under the run lock, re-sends the dead-lettered events that still stand,
 * in file order, with the current routing key; records delivered ones in state and audit as a
 * cycle would; rewrites the file atomically with the lines that remain (deletes it when none).
 */
export async function replayDeadLetters(input: ReplayInput): Promise<ReplayOutcome> {
  const lock = await acquireRunLock(`${input.statePath}.lock`);
  try {
    return await replay(input);
  } finally {
    await lock.release();
  }
}

async function replay(input: ReplayInput): Promise<ReplayOutcome> {
  const { logger } = input;
  const clock = input.now ?? (() => new Date());
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

  const { state, corrupt } = await readState(input.statePath, clock(), { moveCorruptAside: false });
  if (corrupt) {
    // Without the open incidents, supersession cannot be judged safely: touch nothing.
    logger.fatal({ path: input.statePath, reason: corrupt.reason }, 'STATE FILE CORRUPT: nothing replayed; run a cycle first (it moves the file aside), then replay');
    return outcome(logger, { ...zero(), lines: entries.length, remaining: entries.length });
  }
  let history: Map<string, IncidentHistory>;
  try {
    history = await readAuditHistory(input.auditPath, keys);
  } catch (error) {
    // Without the audit log a resolved incident could be re-opened: touch nothing.
    logger.fatal({ path: input.auditPath, error: (error as Error).message }, 'audit log unreadable: nothing replayed (superseded events cannot be told)');
    return outcome(logger, { ...zero(), lines: entries.length, remaining: entries.length });
  }
  const steps = planReplay(entries, { ...state, alertAfterFailures: input.alertAfterFailures }, history);

  const summary: ReplaySummary = { ...zero(), lines: entries.length };
  const remaining = new Set<number>();
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
        if (unavailable) {
          remaining.add(step.entry.line);
          summary.notAttempted += 1;
          logger.warn({ line: step.entry.line, dedup_key: event.dedup_key }, 'dead-letter line kept: not attempted, PagerDuty is still failing');
          return;
        }
        const result = await input.sender.send(event);
        if (!result.ok) {
          remaining.add(step.entry.line);
          summary.failed += 1;
          // A rejected event says nothing about PagerDuty's health; exhausted retries do.
          if (!result.rejected) unavailable = true;
          logger.error({ line: step.entry.line, dedup_key: event.dedup_key, event_action: event.event_action, attempts: result.attempts, error: result.error }, 'dead-letter line kept: still undeliverable');
          return;
        }
        summary.delivered += 1;
        const record = recordDelivered(step, state, history, clock().toISOString(), logger);
        logger.info({ line: step.entry.line, dedup_key: event.dedup_key, event_action: event.event_action, attempts: result.attempts }, 'dead-lettered event delivered');
        if (record) await appendAuditRecords([record], { auditPath: input.auditPath, logger });
      }),
    ),
  );

  if (summary.delivered > 0) await writeState(input.statePath, state);
  const kept = entries.filter((entry) => remaining.has(entry.line));
  summary.remaining = kept.length;
  // Nothing left: the file is removed, so "no dead-letter file" means "nothing undelivered".
  if (kept.length === 0) await rm(input.deadLetterPath, { force: true });
  else await writeFileAtomic(input.deadLetterPath, kept.map((entry) => `${entry.raw}\n`).join(''));
  return outcome(logger, summary);
}

/** Applies a delivered event to the open incidents and returns its audit record (none when the event describes no known incident). */
function recordDelivered(
  step: Extract<ReplayStep, { kind: 'send' }>,
  state: WatchdogState,
  history: ReadonlyMap<string, IncidentHistory>,
  sentAt: string,
  logger: Logger,
): AuditRecord | undefined {
  const { event } = step.letter;
  const key = event.dedup_key;
  const { incidents, storms } = state;
  // The health and application incidents are not audited by a cycle either: state only.
  if (key === HEALTH_DEDUP_KEY) {
    state.health = { ...state.health, incidentOpen: event.event_action === 'trigger' };
    return undefined;
  }
  if (key.startsWith(STORM_KEY_PREFIX)) {
    if (event.event_action === 'resolve') delete storms[key];
    else {
      const storm = stormFromTrigger(event, storms[key], sentAt);
      if (storm) storms[key] = storm;
      else logger.warn({ dedup_key: key }, 'replayed application trigger without its facts: state left as it was');
    }
    return undefined;
  }
  if (event.event_action === 'trigger') {
    const incident = incidentFromTrigger(event, incidents[key], sentAt);
    if (!incident) {
      logger.warn({ dedup_key: key }, 'replayed trigger describes no identity incident: state and audit left as they were');
      return undefined;
    }
    incidents[key] = incident;
    return auditTrigger(incident, sentAt, REPLAY_REASON);
  }
  const open = history.get(key)?.open;
  const incident = incidents[key] ?? (open ? incidentFromAudit(open) : undefined);
  delete incidents[key];
  if (!incident) {
    logger.warn({ dedup_key: key }, 'replayed resolve for an incident neither state nor audit knows: no audit line');
    return undefined;
  }
  return auditResolve(incident, sentAt, REPLAY_REASON);
}

/** Streams the audit log, keeping only what concerns `keys`; a missing log is an empty history. */
async function readAuditHistory(path: string, keys: ReadonlySet<string>): Promise<Map<string, IncidentHistory>> {
  const histories = new Map<string, IncidentHistory>([...keys].map((key) => [key, {}]));
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)));
  });
  if (!(await opened)) return histories;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    try {
      addToHistory(histories, JSON.parse(line) as AuditRecord);
    } catch {
      // A torn or foreign line says nothing about our incidents.
    }
  }
  return histories;
}

function logStep(logger: Logger, step: Exclude<ReplayStep, { kind: 'send' }>): void {
  const key = step.entry.letter?.event.dedup_key;
  if (step.kind === 'drop') logger.info({ line: step.entry.line, dedup_key: key, reason: step.reason }, 'dead-letter line dropped: superseded');
  else logger.error({ line: step.entry.line, reason: step.reason, text: step.entry.raw.slice(0, 200) }, 'dead-letter line kept: unparseable, fix or remove it by hand');
}

function zero(): ReplaySummary {
  return { lines: 0, delivered: 0, superseded: 0, failed: 0, notAttempted: 0, unparseable: 0, remaining: 0 };
}

function outcome(logger: Logger, summary: ReplaySummary): ReplayOutcome {
  const exitCode = summary.remaining === 0 ? ExitCode.ok : ExitCode.deadLettered;
  logger[exitCode === ExitCode.ok ? 'info' : 'error']({ summary, exitCode }, 'replay summary');
  return { exitCode, summary };
}
