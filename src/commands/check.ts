import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadExceptions } from './exceptions-file.js';
import type { Config } from '../config/config.js';
import { isWellFormedRoutingKey, routingKeyProblem } from '../config/routing-key.js';
import { ExitCode, worstExitCode } from '../errors.js';
import { SourceReadError } from '../source/source-read-error.js';
import { cleartextWarnings, contactedUrls } from '../http/cleartext.js';
import { createDispatcher } from '../http/dispatcher.js';
import type { Identity } from '../source/identity-source.js';
import { probePagerDuty, type PagerDutyProbe } from '../pagerduty/probe.js';
import { policyFrom } from '../cycle/observe.js';
import { createRuntime } from './runtime.js';
import { assessIdentity } from '../sla/policy.js';
import { checkExceptions } from './check-exceptions.js';
import { checkChainTasks, type ChainTaskCheck } from './check-chain.js';
import { describeRecheck } from './check-recheck.js';
import { formatCheckText } from './check-format.js';
import { checkNotStarted, type NotStartedCheck } from './check-not-started.js';
import { describeProcessingRequests } from './check-processing.js';
import type { CheckResult, SourceRead } from './check-result.js';
import { withConfig, type CommandContext } from './context.js';
import type { CommonOptions } from './options.js';

export type CheckOptions = CommonOptions & { format: 'text' | 'json' };
import { describeValue } from '../parse/describe-value.js';

/** How many parsed termination dates `check` shows. */
const SAMPLE_SIZE = 5;

/** `check`: validates the config and secrets, reads one page from IIQ, probes PagerDuty; opens nothing. Exit 0 / 2 / 3. */
export async function checkCommand(options: CheckOptions, context: CommandContext): Promise<void> {
  const routingKey = context.env.PAGERDUTY_ROUTING_KEY;
  // Load without the routing key: check reports on it below instead of stopping at it.
  const env = { ...context.env, PAGERDUTY_ROUTING_KEY: undefined };
  const code = await withConfig({ ...context, env }, options, { routingKey: false }, async (config, logger) => {
    const exceptions = checkExceptions(
      config.exceptions.path,
      loadExceptions(config.exceptions.path, new Date(), config.leaver.timezone),
      Date.now(),
    );
    const runtime = await createRuntime(config, logger, context.redactor);
    const probeTimeoutMs = config.pagerduty.timeoutSeconds * 1000;
    const probeDispatcher = createDispatcher({ connections: 1, timeoutMs: probeTimeoutMs });
    let iiq: SourceRead;
    let pagerduty: PagerDutyProbe;
    let chainTasks: ChainTaskCheck[];
    let notStarted: NotStartedCheck;
    try {
      [iiq, pagerduty, chainTasks, notStarted] = await Promise.all([
        readFirstPage(runtime.source.listInactiveIdentities(), config, new Date()).catch((error: unknown): SourceRead => {
          if (!(error instanceof SourceReadError)) throw error;
          // check talks to a person: ISC's own words (and trackingId) belong here, unlike in state or events.
          const said = error instanceof SourceReadError && error.detail ? `; ISC said ${error.detail}` : '';
          return {
            ok: false,
            error: `${error.message}${said}`,
            identitiesRead: 0,
            terminationDates: { parsed: 0, unparseable: 0, sample: [] },
          };
        }),
        probePagerDuty(config.pagerduty.eventsUrl, probeDispatcher, probeTimeoutMs),
        checkChainTasks(runtime.source, config.chain.tasks, new Date(), logger),
        checkNotStarted(runtime.source, config, new Date()),
      ]);
    } finally {
      await Promise.all([runtime.close(), probeDispatcher.destroy()]);
    }
    const warnings = cleartextWarnings(contactedUrls(config, context.env));
    const built = buildCheckResult(resolve(options.config), config, routingKey, await checkFolders(config), iiq, {
      pagerduty,
      warnings,
    });
    const result = {
      ...built,
      notStarted,
      processingRequests: describeProcessingRequests(config),
      exceptions,
      recheck: await describeRecheck(config, new Date()),
      ...(chainTasks.length > 0 ? { chainTasks } : {}),
      // A task whose results cannot be read is an IIQ read failure, as in a cycle.
      // A not-started listing the source refuses is a read failure like any other (exit 3).
      exitCode: worstExitCode(
        built.exitCode,
        chainTasks.some((task) => task.health === 'unread') ? ExitCode.sourceRead : ExitCode.ok,
        notStarted.enabled && !notStarted.ok ? ExitCode.sourceRead : ExitCode.ok,
      ),
    };
    context.writeStdout(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatCheckText(result));
    logger[result.exitCode === ExitCode.ok ? 'info' : 'error']({ exitCode: result.exitCode }, 'check finished');
    return result.exitCode;
  });
  context.setExitCode(code);
}

/** The state of the routing key, never its value. */
export function describeRoutingKey(value: string | undefined): CheckResult['routingKey'] {
  if (value === undefined || value === '') return { status: 'missing', length: 0 };
  return { status: isWellFormedRoutingKey(value) ? 'ok' : 'malformed', length: value.length };
}

/**
 * Puts the findings together and decides the exit code: 2 for config, secrets, folders or a
 * PagerDuty URL that does not answer like PagerDuty; 3 for IIQ; the higher wins.
 */
export function buildCheckResult(
  configPath: string,
  config: Config,
  routingKey: string | undefined,
  files: CheckResult['files'],
  iiq: SourceRead,
  reachability: { pagerduty: PagerDutyProbe; warnings: string[] } = { pagerduty: { ok: true, detail: 'not probed' }, warnings: [] },
): CheckResult {
  const problem = routingKey ? routingKeyProblem(routingKey) : undefined;
  const key = { ...describeRoutingKey(routingKey), ...(problem ? { problem } : {}) };
  const configProblem = key.status !== 'ok' || files.some((file) => !file.writable) || !reachability.pagerduty.ok;
  return {
    config: { path: configPath, valid: true },
    tiers: Object.entries(config.slaHours).map(([tier, slaHours]) => ({ tier, slaHours, default: tier === config.leaver.defaultTier })),
    routingKey: key,
    files,
    ...(config.source.kind === 'isc'
      ? { isc: { baseUrl: config.source.baseUrl, lifecycleStates: config.source.lifecycleStates, ...iiq } }
      : { iiq: { baseUrl: config.source.baseUrl, api: config.source.api, auth: config.source.auth, ...iiq } }),
    pagerduty: { eventsUrl: config.pagerduty.eventsUrl, ...reachability.pagerduty },
    warnings: reachability.warnings,
    exitCode: worstExitCode(configProblem ? ExitCode.usage : ExitCode.ok, iiq.ok ? ExitCode.ok : ExitCode.sourceRead),
  };
}

async function readFirstPage(pages: AsyncIterable<Identity[]>, config: Config, now: Date): Promise<SourceRead> {
  let page: Identity[] = [];
  // Only the first page: leaving the loop ends the listing.
  for await (const first of pages) {
    page = first.filter((identity) => identity.inactive);
    break;
  }
  const policy = policyFrom(config);
  const nowMs = now.getTime();
  const sample: SourceRead['terminationDates']['sample'] = [];
  const unparseableSample: { name: string; value: string }[] = [];
  let parsed = 0;
  for (const identity of page) {
    // firstSeen NaN: an unparseable date shows up as NaN terminatedAtMs, never as a made-up instant.
    const assessment = assessIdentity(identity, policy, Number.NaN, nowMs);
    if (assessment.terminationSource !== 'attribute') {
      if (unparseableSample.length < SAMPLE_SIZE)
        unparseableSample.push({ name: identity.name, value: shortValue(identity.attributes[config.leaver.terminationDateAttribute]) });
      continue;
    }
    parsed += 1;
    if (sample.length < SAMPLE_SIZE) {
      sample.push({
        name: identity.name,
        terminationDate: new Date(assessment.terminatedAtMs).toISOString(),
        tier: assessment.tier,
        slaDeadline: new Date(assessment.slaDeadlineMs).toISOString(),
        pastSla: assessment.severity !== undefined,
      });
    }
  }
  return {
    ok: true,
    identitiesRead: page.length,
    terminationDates: { parsed, unparseable: page.length - parsed, sample, unparseableSample },
  };
}

/** An attribute value as IIQ sent it, on one line and short; "(missing)" when absent. */
function shortValue(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(missing)';
  const text = typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

async function checkFolders(config: Config): Promise<CheckResult['files']> {
  const targets: [string, string | null][] = [
    ['state', config.state.path],
    ['dead letter', config.deadLetter.path],
    ['audit', config.audit.path],
    ['metrics', config.metrics.path],
  ];
  const files: CheckResult['files'] = [];
  for (const [name, path] of targets) {
    if (path === null) continue;
    const folder = dirname(path);
    const writable = await access(folder, constants.W_OK).then(
      () => true,
      () => false,
    );
    files.push({ name, folder, writable });
  }
  return files;
}
