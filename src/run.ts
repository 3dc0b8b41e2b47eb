import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { ExitCode, describeError, worstExitCode, type ExitCode as ExitCodeType } from './errors.js';
import type { IdentitySource } from './iiq/source.js';
import { observeIdentities } from './observe.js';
import { buildResolveEvent } from './pagerduty/events.js';
import { buildHealthTriggerEvent } from './pagerduty/health-event.js';
import {
  appendAuditRecords,
  applyQuietChanges,
  deadLetter,
  deliverNotifications,
  planNotifications,
  planStormNotifications,
  type DeliveryCounts,
} from './pagerduty/notify.js';
import type { PagerDutySender } from './pagerduty/sender.js';
import { decide } from './sla/decide.js';
import { HEALTH_DEDUP_KEY, decideHealth, type HealthState } from './sla/health.js';
import type { SlaPolicy } from './sla/policy.js';
import { planStorms } from './sla/storm.js';
import { countOpenByTier, metricsSampleOf, writeCycleMetrics } from './state/metrics.js';
import { removeAbandonedTempFiles } from './state/atomic-file.js';
import { acquireRunLock } from './state/run-lock.js';
import { readState, writeState } from './state/state-file.js';

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
  /** Spec 10: identities past SLA skipped as verified clean, and verified ones read again (due, or changed). */
  verifiedCleanSkipped: number;
  verifiedCleanRechecked: number;
  held: number;
  openIncidents: number;
  openIncidentsByTier: Record<string, number>;
  iiqRequests: number;
  iiqReadError: string | undefined;
  durationMs: number;
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
  const lock = dryRun ? undefined : await acquireRunLock(`${input.config.state.path}.lock`);
  try {
    if (!dryRun) await removeAbandonedTempFiles(input.config.state.path);
    const outcome = await cycle(input, dryRun);
    // Inside the lock, so two runs never interleave their textfiles; a dry run changes nothing.
    if (!dryRun) await writeCycleMetrics(input.config.metrics.path, metricsSampleOf(outcome.summary, outcome.exitCode, Date.now()), input.logger);
    return outcome;
  } finally {
    await lock?.release();
  }
}

async function cycle(input: CycleInput, dryRun: boolean): Promise<CycleOutcome> {
  const { config, logger, now } = input;
  const startedMs = Date.now();
  const { state, corrupt } = await readState(config.state.path, new Date(), { moveCorruptAside: !dryRun });
  if (corrupt) {
    logger.error({ path: config.state.path, movedTo: corrupt.movedTo, reason: corrupt.reason }, 'STATE FILE CORRUPT: moved aside; continuing from IIQ alone (open incidents will be re-sent)');
  }

  const observed = await observeIdentities({
    source: input.source,
    policy: policyFrom(config),
    openIncidents: state.incidents,
    firstSeenInactive: state.firstSeenInactive,
    verifiedClean: state.verifiedClean,
    recheckCleanHours: config.leaver.recheckCleanHours,
    observeConcurrency: 2 * config.iiq.concurrency,
    now,
    logger,
  });
  const decisions = decide({
    observations: observed.observations,
    listingComplete: observed.listingComplete,
    openIncidents: state.incidents,
    nowMs: now.getTime(),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
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

  let counts: DeliveryCounts = { triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0 };
  if (input.sender === undefined) {
    for (const { action, reason, event } of notifications) {
      input.writeStdout(`${JSON.stringify({ action, reason, dedup_key: event.dedup_key, event })}\n`);
    }
  } else {
    const book = { incidents: state.incidents, storms: state.storms };
    await appendAuditRecords(applyQuietChanges(plan.quiet, book, now.toISOString()), { auditPath: config.audit.path, logger });
    counts = await deliverNotifications(notifications, {
      sender: input.sender,
      book,
      auditPath: config.audit.path,
      deadLetterPath: config.deadLetter.path,
      now,
      logger,
      writeStderr: input.writeStderr,
    });
    const failure = counts.deadLettered > 0 ? `${counts.deadLettered} PagerDuty event(s) dead-lettered` : observed.readError;
    const healthDelivered = await sendHealth(input, input.sender, state.health, failure);
    if (!healthDelivered.ok) counts.deadLettered += 1;
    await writeState(config.state.path, { ...state, firstSeenInactive: observed.firstSeenInactive, verifiedClean: observed.verifiedClean, health: healthDelivered.health });
  }

  const summary: CycleSummary = {
    dryRun,
    inactiveListed: observed.inactiveListed,
    pastSla: observed.pastSla,
    linksFetched: observed.accountsFetched,
    verifiedCleanSkipped: observed.verifiedCleanSkipped,
    verifiedCleanRechecked: observed.verifiedCleanRechecked,
    ...counts,
    held: decisions.filter((d) => d.action === 'hold').length,
    openIncidents: Object.keys(state.incidents).length,
    openIncidentsByTier: countOpenByTier(state.incidents, Object.keys(config.slaHours)),
    iiqRequests: input.iiqRequestCount(),
    iiqReadError: observed.readError,
    durationMs: Date.now() - startedMs,
  };
  const exitCode = worstExitCode(counts.deadLettered > 0 ? ExitCode.deadLettered : ExitCode.ok, observed.readError ? ExitCode.iiqRead : ExitCode.ok);
  if (!dryRun && exitCode === ExitCode.ok && config.health.heartbeatUrl) {
    await input.pingHeartbeat(config.health.heartbeatUrl).catch((error: unknown) => {
      logger.warn({ error: describeError(error) }, 'heartbeat ping failed');
    });
  }
  return { exitCode, summary };
}

/** Pages (or resolves) the watchdog's own health incident; the health state advances only on delivery. */
async function sendHealth(
  input: CycleInput,
  sender: PagerDutySender,
  previous: HealthState,
  failure: string | undefined,
): Promise<{ ok: boolean; health: HealthState }> {
  const { config, logger, now } = input;
  const decision = decideHealth(previous, failure, config.health.alertAfterFailures);
  if (!decision.action) return { ok: true, health: decision.next };
  const event =
    decision.action === 'trigger' ? buildHealthTriggerEvent(decision.next, config.pagerduty.source, now) : buildResolveEvent({ dedupKey: HEALTH_DEDUP_KEY });
  const result = await sender.send(event);
  if (result.ok) {
    logger.warn({ event_action: event.event_action, dedup_key: HEALTH_DEDUP_KEY, consecutiveFailures: decision.next.consecutiveFailures }, 'watchdog health event delivered');
    return { ok: true, health: decision.next };
  }
  await deadLetter(event, result.attempts, result.error, { now, logger, deadLetterPath: config.deadLetter.path, writeStderr: input.writeStderr });
  return { ok: false, health: { ...decision.next, incidentOpen: previous.incidentOpen } };
}
