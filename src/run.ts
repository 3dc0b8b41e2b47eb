import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { appendAuditRecords, deliverNotifications, sendRecorded, type DeliveryTargets } from './deliver.js';
import { ExitCode, describeError, worstExitCode, type ExitCode as ExitCodeType } from './errors.js';
import type { IdentitySource } from './iiq/source.js';
import { observeIdentities, type ObserveResult } from './observe.js';
import { buildResolveEvent } from './pagerduty/events.js';
import { buildHealthTriggerEvent } from './pagerduty/health-event.js';
import { planNotifications, planStormNotifications, quietStateChanges, type DeliveryCounts } from './pagerduty/notify.js';
import type { PagerDutySender } from './pagerduty/sender.js';
import { decide } from './sla/decide.js';
import { HEALTH_DEDUP_KEY, decideHealth, type HealthState } from './sla/health.js';
import type { SlaPolicy } from './sla/policy.js';
import type { StateChange } from './sla/state-change.js';
import { planStorms } from './sla/storm.js';
import { exitCodeForStop, untilStopped } from './stop.js';
import { countOpenByTier, metricsSampleOf, writeCycleMetrics } from './state/metrics.js';
import { removeAbandonedTempFiles } from './state/atomic-file.js';
import { DeliveryRecorder } from './state/delivery-recorder.js';
import { loadState, saveState } from './state/load-state.js';
import { guardLocalFile } from './state/local-file.js';
import { acquireRunLock } from './state/run-lock.js';

/** Everything one cycle needs; I/O is injected so tests can swap it. */
export interface CycleInput {
  config: Config;
  source: IdentitySource;
  /** Absent in a dry run: nothing is sent. */
  sender: PagerDutySender | undefined;
  /** The instant the cycle evaluates at (`--now`, or the clock). */
  now: Date;
  logger: Logger;
  /** Where the dry run prints its planned actions (stdout). */
  writeStdout: (text: string) => void;
  writeStderr: (text: string) => void;
  /** IIQ requests made so far, for the summary. */
  iiqRequestCount: () => number;
  /** GETs `health.heartbeatUrl` after a successful cycle (dead man's switch). */
  pingHeartbeat: (url: string) => Promise<void>;
  /** Aborts (reason `SIGTERM` or `SIGINT`) when the run must stop: nothing new starts, what is in flight is recorded. */
  stop?: AbortSignal;
}

/** The outcome of one cycle. */
export interface CycleOutcome {
  exitCode: ExitCodeType;
  summary: CycleSummary;
}

/** The counts of the final log record. */
export interface CycleSummary extends DeliveryCounts {
  dryRun: boolean;
  inactiveListed: number;
  pastSla: number;
  linksFetched: number;
  held: number;
  openIncidents: number;
  openIncidentsByTier: Record<string, number>;
  iiqRequests: number;
  iiqReadError: string | undefined;
  durationMs: number;
  /** The signal that stopped the cycle early, if one did. */
  interruptedBy?: string;
}

/** The SLA policy of a config. */
export function policyFrom(config: Config): SlaPolicy {
  return {
    slaHours: config.slaHours,
    defaultTier: config.leaver.defaultTier,
    tierAttribute: config.leaver.tierAttribute,
    terminationDateAttribute: config.leaver.terminationDateAttribute,
    timeZone: config.leaver.timezone,
    excludedApplications: new Set(config.excludedApplications),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
  };
}

/**
 * One poll cycle (spec 1): lock, read state, observe IIQ, decide, deliver, record. Throws
 * LockHeldError (exit 4); an IIQ read failure is part of the outcome (exit 3).
 */
export async function runCycle(input: CycleInput): Promise<CycleOutcome> {
  const dryRun = input.sender === undefined;
  const lockPath = `${input.config.state.path}.lock`;
  const lock = dryRun ? undefined : await guardLocalFile('create the run lock', lockPath, () => acquireRunLock(lockPath));
  const onStop = (): void => input.logger.warn({ signal: String(input.stop?.reason) }, 'stop requested: no new request starts; deliveries in flight finish (or time out) and are recorded');
  input.stop?.addEventListener('abort', onStop, { once: true });
  try {
    if (!dryRun) await removeAbandonedTempFiles(input.config.state.path);
    const outcome = await cycle(input, dryRun);
    // Inside the lock, so two runs never interleave their textfiles; a dry run changes nothing.
    if (!dryRun) await writeCycleMetrics(input.config.metrics.path, metricsSampleOf(outcome.summary, outcome.exitCode, Date.now()), input.logger);
    return outcome;
  } finally {
    input.stop?.removeEventListener('abort', onStop);
    await lock?.release().catch((error: unknown) => input.logger.error({ path: lockPath, error: describeError(error) }, 'run lock could not be removed (the next run takes it over)'));
  }
}

async function cycle(input: CycleInput, dryRun: boolean): Promise<CycleOutcome> {
  const { config, logger, now } = input;
  const startedMs = Date.now();
  // Before anything else: the journal of a run that was killed (or hit a full disk) is folded in.
  const { state, corrupt } = await loadState(config.state.path, new Date(), { logger, write: !dryRun, moveCorruptAside: !dryRun });
  if (corrupt) {
    logger.error({ path: config.state.path, movedTo: corrupt.movedTo, reason: corrupt.reason }, 'STATE FILE CORRUPT: moved aside; continuing from IIQ alone (open incidents will be re-sent)');
  }
  const previousEvaluatedAtMs = state.lastEvaluatedAt === undefined ? undefined : Date.parse(state.lastEvaluatedAt);
  if (previousEvaluatedAtMs !== undefined && now.getTime() < previousEvaluatedAtMs) {
    logger.warn({ now: now.toISOString(), previousEvaluatedAt: state.lastEvaluatedAt }, 'evaluation instant earlier than the previous cycle\'s (clock stepped back, or an earlier --now): nothing is resolved this cycle');
  }

  const observing = observeIdentities({
    source: input.source,
    policy: policyFrom(config),
    openIncidents: state.incidents,
    firstSeenInactive: state.firstSeenInactive,
    now,
    logger,
  });
  const observed = await untilStopped(observing, input.stop);
  if (observed === undefined) {
    // Reads only: abandoned as they are; the state is as loaded (nothing was decided).
    observing.catch(() => undefined);
    return interrupted(input, startedMs, state.incidents);
  }
  const decisions = decide({
    observations: observed.observations,
    listingComplete: observed.listingComplete,
    openIncidents: state.incidents,
    nowMs: now.getTime(),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
    previousEvaluatedAtMs,
  });
  for (const decision of decisions) {
    if (decision.action === 'hold') logger.warn({ dedup_key: decision.incident.dedupKey, reason: decision.reason }, 'open incident left untouched');
  }
  const plan = planStorms({
    decisions,
    openIncidents: state.incidents,
    openStorms: state.storms,
    threshold: config.storm.threshold,
    nowMs: now.getTime(),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
  });
  const eventContext = { source: config.pagerduty.source, baseUrl: config.iiq.baseUrl, identityUrlTemplate: config.iiq.identityUrlTemplate };
  const notifications = [...planNotifications(plan.individual, eventContext, now), ...planStormNotifications(plan.storms, eventContext, now)];

  let counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 };
  let openIncidents = state.incidents;
  if (input.sender === undefined) {
    for (const { action, reason, event } of notifications) {
      input.writeStdout(`${JSON.stringify({ action, reason, dedup_key: event.dedup_key, event })}\n`);
    }
  } else {
    const delivered = await deliverAndRecord(input, input.sender, state, observed, notifications, plan.quiet);
    counts = delivered.counts;
    openIncidents = delivered.incidents;
  }

  const summary: CycleSummary = {
    dryRun,
    inactiveListed: observed.inactiveListed,
    pastSla: observed.pastSla,
    linksFetched: observed.accountsFetched,
    ...counts,
    held: decisions.filter((d) => d.action === 'hold').length,
    openIncidents: Object.keys(openIncidents).length,
    openIncidentsByTier: countOpenByTier(openIncidents, Object.keys(config.slaHours)),
    iiqRequests: input.iiqRequestCount(),
    iiqReadError: observed.readError,
    durationMs: Date.now() - startedMs,
    ...(input.stop?.aborted ? { interruptedBy: String(input.stop.reason) } : {}),
  };
  const exitCode = worstExitCode(
    counts.deadLettered > 0 ? ExitCode.deadLettered : ExitCode.ok,
    observed.readError ? ExitCode.iiqRead : ExitCode.ok,
    exitCodeForStop(input.stop) ?? ExitCode.ok,
  );
  if (!dryRun && exitCode === ExitCode.ok && config.health.heartbeatUrl) {
    await input.pingHeartbeat(config.health.heartbeatUrl).catch((error: unknown) => {
      logger.warn({ error: describeError(error) }, 'heartbeat ping failed');
    });
  }
  return { exitCode, summary };
}

/**
 * Sends the cycle's events through the journal (spec 5) and writes the state. A journal that
 * cannot be written stops new sends; the state is still written if it can be, and the run then
 * ends with that LocalFileError (exit 5).
 */
async function deliverAndRecord(
  input: CycleInput,
  sender: PagerDutySender,
  state: Awaited<ReturnType<typeof loadState>>['state'],
  observed: ObserveResult,
  notifications: Parameters<typeof deliverNotifications>[0],
  quiet: Parameters<typeof quietStateChanges>[0],
): Promise<{ counts: DeliveryCounts; incidents: typeof state.incidents }> {
  const { config, logger, now } = input;
  const halt = new AbortController();
  const forwardStop = (): void => halt.abort(input.stop?.reason);
  if (input.stop?.aborted) forwardStop();
  input.stop?.addEventListener('abort', forwardStop, { once: true });
  const recorder = await DeliveryRecorder.open(config.state.path, { incidents: state.incidents, storms: state.storms, health: state.health }, (error) => {
    logger.error({ error: error.message }, 'the journal could not be written: no new event is sent');
    halt.abort(error);
  });
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
    await appendAuditRecords(await recorder.record(quietStateChanges(quiet), now.toISOString()), targets);
    counts = await deliverNotifications(notifications, targets);
    const failure = counts.deadLettered > 0 ? `${counts.deadLettered} PagerDuty event(s) dead-lettered` : observed.readError;
    const healthDelivered = await sendHealth(input, state.health, failure, targets);
    if (!healthDelivered.ok) counts.deadLettered += 1;
    health = healthDelivered.health;
  } finally {
    input.stop?.removeEventListener('abort', forwardStop);
    await recorder.close();
  }
  const finalState = { ...state, ...recorder.book, firstSeenInactive: observed.firstSeenInactive, health, lastEvaluatedAt: now.toISOString() };
  try {
    await saveState(config.state.path, finalState);
  } catch (error) {
    if (!recorder.failure) throw error;
    logger.error({ error: describeError(error) }, 'the state file could not be written either: the next run folds the journal');
  }
  if (recorder.failure) throw recorder.failure;
  return { counts, incidents: recorder.book.incidents };
}

/** The outcome of a cycle stopped before it decided anything. */
function interrupted(input: CycleInput, startedMs: number, incidents: Parameters<typeof countOpenByTier>[0]): CycleOutcome {
  const summary: CycleSummary = {
    dryRun: input.sender === undefined,
    inactiveListed: 0,
    pastSla: 0,
    linksFetched: 0,
    triggered: 0,
    retriggered: 0,
    resolved: 0,
    deadLettered: 0,
    notSent: 0,
    held: 0,
    openIncidents: Object.keys(incidents).length,
    openIncidentsByTier: countOpenByTier(incidents, Object.keys(input.config.slaHours)),
    iiqRequests: input.iiqRequestCount(),
    iiqReadError: undefined,
    durationMs: Date.now() - startedMs,
    interruptedBy: String(input.stop?.reason),
  };
  return { exitCode: exitCodeForStop(input.stop) ?? ExitCode.interruptedTerm, summary };
}

/**
 * Pages (or resolves) the watchdog's own health incident through the journal; the health state
 * advances only on delivery, and not at all when the run is stopping.
 */
async function sendHealth(input: CycleInput, previous: HealthState, failure: string | undefined, targets: DeliveryTargets): Promise<{ ok: boolean; health: HealthState }> {
  const { config, logger, now } = input;
  if (targets.halt.aborted) return { ok: true, health: previous };
  const decision = decideHealth(previous, failure, config.health.alertAfterFailures);
  if (!decision.action) return { ok: true, health: decision.next };
  const event =
    decision.action === 'trigger' ? buildHealthTriggerEvent(decision.next, config.pagerduty.source, now) : buildResolveEvent({ dedupKey: HEALTH_DEDUP_KEY });
  const change: StateChange = { kind: 'health', incidentOpen: decision.action === 'trigger' };
  const [ticket] = await targets.recorder.intend([{ dedupKey: HEALTH_DEDUP_KEY, eventAction: event.event_action, change }], now.toISOString());
  const outcome = await sendRecorded(event, change, ticket!, targets);
  if (outcome === 'delivered') {
    logger.warn({ event_action: event.event_action, dedup_key: HEALTH_DEDUP_KEY, consecutiveFailures: decision.next.consecutiveFailures }, 'watchdog health event delivered');
    return { ok: true, health: decision.next };
  }
  if (outcome === 'not-sent') return { ok: true, health: previous };
  return { ok: false, health: { ...decision.next, incidentOpen: previous.incidentOpen } };
}
