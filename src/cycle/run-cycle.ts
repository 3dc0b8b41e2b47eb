import { countPlanned, deliverCycle, planNotifications, planStormNotifications, type DeliveryCounts } from './notifications.js';
import { withRunLock } from '../state/run-lock.js';
import { ExitCode, describeError } from '../errors.js';
import { sourceProfileOf } from '../source/source-profile.js';
import { leaverRuleFrom, observeIdentities, policyFrom } from './observe.js';
import { nextAccountChanges, readAccountChanges } from './account-changes.js';
import { observeChainTasks, planTaskNotifications } from './chain-tasks.js';
import type { CycleInput, CycleOutcome, CycleSummary } from './cycle-input.js';
import { decide } from '../sla/decide.js';
import { planExceptionRecords } from '../sla/exception-audit.js';
import { planStorms } from '../sla/storm.js';
import { countOpenByTier, writeCycleMetrics } from '../state/metrics.js';
import { removeAbandonedTempFiles } from '../state/local-file.js';
import { loadState } from '../state/state-file.js';
import { appendExceptionRecords } from '../state/exception-log.js';
import { requestProcessingOfStalledLeavers, withProcessingRequestedAt } from './processing-requests.js';
import { identityDedupKey } from '../sla/incident.js';

/**
 * One poll cycle: lock, read state, observe IIQ, decide, deliver, record. Throws
 * LockHeldError (exit 4); an IIQ read failure is part of the outcome (exit 3).
 */
export async function runCycle(input: CycleInput): Promise<CycleOutcome> {
  const { mode } = input;
  // A dry run writes nothing, the lock included: it may run beside a scheduled cycle.
  return mode.kind === 'dry-run'
    ? cycleWithMetrics(input)
    : withRunLock(input.config.state.path, input.logger, () => cycleWithMetrics(input));
}

async function cycleWithMetrics(input: CycleInput): Promise<CycleOutcome> {
  const dryRun = input.mode.kind === 'dry-run';
  const onStop = (): void =>
    input.logger.warn(
      { signal: String(input.stop?.reason) },
      'stop requested: no new request starts; deliveries in flight finish (or time out) and are recorded',
    );
  input.stop?.addEventListener('abort', onStop, { once: true });
  try {
    if (!dryRun) await removeAbandonedTempFiles(input.config.state.path);
    const outcome = await cycle(input, dryRun);
    // Inside the lock, so two runs never interleave their textfiles; a dry run changes nothing.
    if (!dryRun) {
      const { summary } = outcome;
      await writeCycleMetrics(
        input.config.metrics.path,
        {
          finishedAtMs: Date.now(),
          exitCode: outcome.exitCode,
          durationMs: summary.durationMs,
          inactiveListed: summary.inactiveListed,
          notStartedListed: summary.notStartedListed,
          pastSla: summary.pastSla,
          verifiedCleanSkipped: summary.verifiedCleanSkipped,
          verifiedCleanRechecked: summary.verifiedCleanRechecked,
          accountChangedReads: summary.accountChangedReads,
          changeWatermarkMs: summary.changeWatermark === undefined ? undefined : Date.parse(summary.changeWatermark),
          openByTier: summary.openIncidentsByTier,
          eventsSent: { trigger: summary.triggered, retrigger: summary.retriggered, resolve: summary.resolved },
          deadLettered: summary.deadLettered,
          sourceRequests: summary.sourceRequests,
          openTaskIncidents: summary.openTaskIncidents,
          processingRequested: summary.processingRequested,
          processingRequestFailures: summary.processingRequestFailures,
        },
        input.logger,
      );
    }
    return outcome;
  } finally {
    input.stop?.removeEventListener('abort', onStop);
  }
}

async function cycle(input: CycleInput, dryRun: boolean): Promise<CycleOutcome> {
  const { config, logger, now } = input;
  const startedMs = Date.now();
  // Before anything else: the journal of a run that was killed (or hit a full disk) is folded in.
  const { state, corrupt, rebuilt } = await loadState(config.state.path, new Date(), {
    logger,
    write: !dryRun,
    moveCorruptAside: !dryRun,
    auditPath: config.audit.path,
  });
  if (corrupt) {
    logger.error(
      { path: config.state.path, movedTo: corrupt.movedTo, reason: corrupt.reason, rebuiltFromAudit: rebuilt },
      `STATE FILE CORRUPT: ${corrupt.movedTo ? 'moved aside' : 'left in place (dry run)'}; open incidents rebuilt from the audit log, the rest comes from the source again`,
    );
  }
  const previousEvaluatedAtMs = state.lastEvaluatedAt === undefined ? undefined : Date.parse(state.lastEvaluatedAt);
  if (previousEvaluatedAtMs !== undefined && now.getTime() < previousEvaluatedAtMs) {
    logger.warn(
      { now: now.toISOString(), previousEvaluatedAt: state.lastEvaluatedAt },
      "evaluation instant earlier than the previous cycle's (clock stepped back, or an earlier --now): nothing is resolved this cycle",
    );
  }

  if (input.stop?.aborted) return interrupted(input, startedMs, state.incidents, state.tasks);
  // Only a source that can say which accounts changed (IIQ SCIM, ISC) reads changes; for the others
  // the read is "not read" without a request, and a remembered watermark is dropped by the rule.
  const changes = await untilStopped(readAccountChanges(input.source, state.accountChanges, logger), input.stop);
  if (changes === undefined) return interrupted(input, startedMs, state.incidents, state.tasks);
  const observing = observeIdentities({
    source: input.source,
    policy: policyFrom(config),
    openIncidents: state.incidents,
    firstSeenInactive: state.firstSeenInactive,
    verifiedClean: state.verifiedClean,
    recheckCleanHours: config.leaver.recheckCleanHours,
    observeConcurrency: 2 * config.source.concurrency,
    now,
    logger,
    accountPolicy: { applicationSlaHours: config.applicationSlaHours, exceptions: input.exceptions ?? [] },
    ...(changes.owners ? { changedAccountOwners: changes.owners } : {}),
    leaverRule: leaverRuleFrom(config),
  });
  const observed = await untilStopped(observing, input.stop);
  if (observed === undefined) {
    // Reads only: abandoned as they are; the state is as loaded (nothing was decided).
    observing.catch(() => undefined);
    return interrupted(input, startedMs, state.incidents, state.tasks);
  }
  // A failed change read fails the cycle (exit 3, health) like any failed read, and decides nothing by itself.
  if (changes.error) {
    observed.readError ??= changes.error.message;
    observed.readErrorClassified ??= changes.error.classified;
  }
  const accountChanges = nextAccountChanges({
    previous: state.accountChanges,
    read: changes,
    cycleStart: now,
    dryRun,
    accountChangedReads: observed.accountChangedReads,
  });
  // The opt-in steps below (chain tasks, processing requests, exceptions) are not entered when off
  // and nothing of theirs is left in the state: off, each would read, send and keep nothing.
  // The chain's own health (IIQ tasks such as the identity refresh): a failed read here is exit 3
  // and counts for the watchdog's health like any failed read; it changes no task incident.
  // An open task incident whose task left the config is still resolved: the step runs while one is open.
  const chainOn = config.chain.tasks.length > 0 || Object.keys(state.tasks).length > 0;
  const chain = chainOn ? await untilStopped(observeChainTasks(input.source, config.chain.tasks, now, logger), input.stop) : undefined;
  if (chainOn && chain === undefined) return interrupted(input, startedMs, state.incidents, state.tasks);
  observed.readError ??= chain?.readError;
  observed.readErrorClassified ??= chain?.readErrorClassified;
  // Opt-in, and before the cycle's events: a stalled leaver is handed to the source for processing.
  // Remembered requests are pruned by the same step, so it runs while any is left (requests since turned off).
  const processingOn = config.leaver.requestProcessing || Object.keys(state.processingRequested ?? {}).length > 0;
  const processing = processingOn
    ? await untilStopped(
        requestProcessingOfStalledLeavers(input, observed, state.processingRequested ?? {}, (id) =>
          Object.hasOwn(state.incidents, identityDedupKey(id)),
        ),
        input.stop,
      )
    : { requested: 0, failures: 0, processingRequested: Object.create(null) as Record<string, string> };
  if (processing === undefined) return interrupted(input, startedMs, state.incidents, state.tasks);
  // Approved exceptions are opt-in too: without any, and none recorded, there is nothing to audit or forget.
  const exceptionsOn = (input.exceptions?.length ?? 0) > 0 || Object.keys(state.exceptionsRecorded).length > 0;
  const exceptionAudit = exceptionsOn
    ? planExceptionRecords(observed.observations, state.exceptionsRecorded, now)
    : { records: [], recorded: {} };
  const decisions = decide({
    observations: observed.observations,
    listingComplete: observed.listingComplete,
    openIncidents: state.incidents,
    nowMs: now.getTime(),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
    previousEvaluatedAtMs,
  });
  for (const decision of decisions) {
    if (decision.action === 'hold')
      logger.warn({ dedup_key: decision.incident.dedupKey, reason: decision.reason }, 'open incident left untouched');
  }
  const plan = planStorms({
    decisions,
    openIncidents: state.incidents,
    openStorms: state.storms,
    threshold: config.storm.threshold,
    nowMs: now.getTime(),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
  });
  const eventContext = { source: config.pagerduty.source, ...sourceProfileOf(config) };
  const individual = planNotifications(plan.individual, eventContext, now);
  const notifications = [
    ...(processingOn ? withProcessingRequestedAt(individual, processing.processingRequested) : individual),
    ...planStormNotifications(plan.storms, eventContext, now),
    ...(chain
      ? planTaskNotifications(chain, state.tasks, {
          nowMs: now.getTime(),
          renotifyMinutes: config.pagerduty.renotifyMinutes,
          mayResolve: previousEvaluatedAtMs === undefined || now.getTime() >= previousEvaluatedAtMs,
          source: config.pagerduty.source,
          configuredTasks: config.chain.tasks,
        })
      : []),
  ];

  let counts: DeliveryCounts;
  let openIncidents = state.incidents;
  let openTasks = state.tasks;
  if (input.mode.kind === 'dry-run') {
    for (const { action, reason, event } of notifications) {
      // The stage up front: a leaver not started yet wants a different fix (run the refresh) than one started.
      const stage = event.payload?.custom_details.leaver_stage;
      input.writeStdout(
        `${JSON.stringify({ action, reason, dedup_key: event.dedup_key, ...(stage ? { leaver_stage: stage } : {}), event })}\n`,
      );
    }
    for (const record of exceptionAudit.records)
      logger.info(
        { identity: record.identity_name, applications: record.applications, until: record.until },
        'approved exception keeps overdue accounts from paging (dry run: not recorded)',
      );
    // A dry run's summary counts what it would send (with dryRun: true), not the zero it sent.
    counts = countPlanned(notifications);
  } else {
    // Before the state that remembers them: an exception line is written at least once (report de-duplicates).
    if (exceptionAudit.records.length > 0) await appendExceptionRecords(exceptionAudit.records, config.audit.path, logger);
    const recordedState = {
      ...state,
      exceptionsRecorded: exceptionAudit.recorded,
      verifiedClean: observed.verifiedClean,
      accountChanges,
      processingRequested: processing.processingRequested,
    };
    const delivered = await deliverCycle(input, input.mode.sender, recordedState, observed, notifications, plan.quiet);
    counts = delivered.counts;
    openIncidents = delivered.incidents;
    openTasks = delivered.tasks;
  }

  const summary: CycleSummary = {
    dryRun,
    inactiveListed: observed.inactiveListed,
    notStartedListed: observed.notStartedListed,
    pastSla: observed.pastSla,
    linksFetched: observed.accountsFetched,
    identitiesLookedUp: observed.identitiesLookedUp,
    unknownStatusAccounts: observed.unknownStatusAccounts,
    verifiedCleanSkipped: observed.verifiedCleanSkipped,
    verifiedCleanRechecked: observed.verifiedCleanRechecked,
    accountChangedReads: observed.accountChangedReads,
    changeWatermark: accountChanges?.watermark,
    processingRequested: processing.requested,
    processingRequestFailures: processing.failures,
    ...counts,
    held: decisions.filter((d) => d.action === 'hold').length,
    openIncidents: Object.keys(openIncidents).length,
    openIncidentsByTier: countOpenByTier(openIncidents, Object.keys(config.slaHours)),
    sourceRequests: input.sourceRequestCount(),
    sourceReadError: observed.readError,
    openTaskIncidents: Object.keys(openTasks).length,
    chainTasks:
      chain?.observations.map((o) =>
        o.ok ? { task: o.task.name, health: o.health.problem ?? 'ok' } : { task: o.task.name, health: 'unread' },
      ) ?? [],
    durationMs: Date.now() - startedMs,
    ...(input.stop?.aborted ? { interruptedBy: String(input.stop.reason) } : {}),
  };
  // The highest code wins: stopped (130/143) over a failed read (3) over a dead letter (1).
  const exitCode =
    exitCodeForStop(input.stop) ??
    (observed.readError ? ExitCode.sourceRead : counts.deadLettered > 0 ? ExitCode.deadLettered : ExitCode.ok);
  if (!dryRun && exitCode === ExitCode.ok && config.health.heartbeatUrl) {
    await input.pingHeartbeat(config.health.heartbeatUrl).catch((error: unknown) => {
      logger.warn({ error: describeError(error) }, 'heartbeat ping failed');
    });
  }
  return { exitCode, summary };
}

/** The outcome of a cycle stopped before it decided anything. */
function interrupted(
  input: CycleInput,
  startedMs: number,
  incidents: Parameters<typeof countOpenByTier>[0],
  tasks: Readonly<Record<string, unknown>>,
): CycleOutcome {
  const summary: CycleSummary = {
    dryRun: input.mode.kind === 'dry-run',
    inactiveListed: 0,
    notStartedListed: 0,
    pastSla: 0,
    linksFetched: 0,
    identitiesLookedUp: 0,
    unknownStatusAccounts: 0,
    verifiedCleanSkipped: 0,
    verifiedCleanRechecked: 0,
    accountChangedReads: 0,
    changeWatermark: undefined,
    processingRequested: 0,
    processingRequestFailures: 0,
    triggered: 0,
    retriggered: 0,
    resolved: 0,
    deadLettered: 0,
    notSent: 0,
    held: 0,
    openIncidents: Object.keys(incidents).length,
    openIncidentsByTier: countOpenByTier(incidents, Object.keys(input.config.slaHours)),
    sourceRequests: input.sourceRequestCount(),
    sourceReadError: undefined,
    openTaskIncidents: Object.keys(tasks).length,
    chainTasks: [],
    durationMs: Date.now() - startedMs,
    interruptedBy: String(input.stop?.reason),
  };
  return { exitCode: exitCodeForStop(input.stop) ?? ExitCode.interruptedTerm, summary };
}

/** 130 after SIGINT, 143 after SIGTERM; undefined when the run was not stopped. */
export function exitCodeForStop(signal: AbortSignal | undefined): ExitCode | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason === 'SIGINT' ? ExitCode.interruptedInt : ExitCode.interruptedTerm;
}

/** The promise's value, or undefined as soon as `signal` aborts (the promise is left running). */
function untilStopped<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the promise's own rejection, passed through unchanged
        reject(error);
      },
    );
  });
}
