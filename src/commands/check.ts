import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadExceptions } from '../config/exceptions-file.js';
import { ROUTING_KEY_LENGTH, isWellFormedRoutingKey, type Config } from '../config/config.js';
import { routingKeyProblem } from '../config/routing-key.js';
import { ExitCode, IiqReadError, worstExitCode, type ExitCode as ExitCodeType } from '../errors.js';
import { cleartextWarnings, contactedUrls } from '../http/cleartext.js';
import { createDispatcher } from '../http/dispatcher.js';
import type { Identity } from '../source/identity-source.js';
import { IscReadError } from '../isc/errors.js';
import { probePagerDuty, type PagerDutyProbe } from '../pagerduty/probe.js';
import { policyFrom } from '../cycle/policy-from-config.js';
import { createRuntime } from './runtime.js';
import { assessIdentity } from '../sla/policy.js';
import { checkExceptions, formatExceptionsCheck, type ExceptionsCheck } from './check-exceptions.js';
import { describeRecheck, formatRecheckLine, type RecheckOutlook } from './check-recheck.js';
import { withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';
import { describeValue } from '../parse/describe-value.js';

/** How many parsed termination dates `check` shows. */
const SAMPLE_SIZE = 5;

/** What `check` found; printed as text or as JSON (`--format json`). */
export interface CheckResult {
  config: { path: string; valid: true };
  tiers: { tier: string; slaHours: number; default: boolean }[];
  routingKey: { status: 'ok' | 'missing' | 'malformed'; length: number; problem?: string };
  files: { name: string; folder: string; writable: boolean }[];
  /** The IIQ source, for an `iiq` config. */
  iiq?: { baseUrl: string; api: string; auth: string } & SourceRead;
  /** The ISC source, for an `isc` config (spec 9). */
  isc?: { baseUrl: string; lifecycleStates: string[] } & SourceRead;
  /** The events URL probed without routing key (spec 13). */
  pagerduty: { eventsUrl: string } & PagerDutyProbe;
  /** Plain http:// to a host other than loopback (spec 13). */
  warnings: string[];
  /** Spec 10: what a cycle now would skip as verified clean and re-check (from the state file). */
  recheck?: RecheckOutlook;
  exitCode: ExitCodeType;
  /** Approved exceptions (spec 11): in force, expiring within 14 days, expired. */
  exceptions?: ExceptionsCheck;
}

/** What reading the source's first page of leavers found. */
export interface SourceRead {
  ok: boolean;
  error?: string;
  identitiesRead: number;
  terminationDates: {
    parsed: number;
    unparseable: number;
    sample: { name: string; terminationDate: string; tier: string; slaDeadline: string; pastSla: boolean }[];
    /** The first few values that could not be read as an instant, as the source sent them (shortened). */
    unparseableSample?: { name: string; value: string }[];
  };
}

/** `check`: validates the config and secrets, reads one page from IIQ, probes PagerDuty; opens nothing. Exit 0 / 2 / 3. */
export function registerCheckCommand(program: Command, context: CommandContext): void {
  withCommonOptions(
    program.command('check').description('validate config and secrets, read one page from IIQ, probe the PagerDuty URL; opens no incident'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: CommonOptions & { format: 'text' | 'json' }) => {
      const routingKey = context.env.PAGERDUTY_ROUTING_KEY;
      // Load without the routing key: check reports on it below instead of stopping at it.
      const env = { ...context.env, PAGERDUTY_ROUTING_KEY: undefined };
      const code = await withConfig({ ...context, env }, options, { routingKey: false }, async (config, logger) => {
        const exceptions = checkExceptions(
          config.exceptions.path,
          loadExceptions(config.exceptions.path, new Date(), config.leaver.timezone),
          Date.now(),
        );
        const runtime = createRuntime(config, logger, context.redactor);
        const probeTimeoutMs = config.pagerduty.timeoutSeconds * 1000;
        const probeDispatcher = createDispatcher({ connections: 1, timeoutMs: probeTimeoutMs });
        let iiq: SourceRead;
        let pagerduty: PagerDutyProbe;
        try {
          [iiq, pagerduty] = await Promise.all([
            readFirstPage(runtime.source.listInactiveIdentities(), config, new Date()).catch((error: unknown): SourceRead => {
              if (!(error instanceof IiqReadError)) throw error;
              // check talks to a person: ISC's own words (and trackingId) belong here, unlike in state or events.
              const said = error instanceof IscReadError && error.detail ? `; ISC said ${error.detail}` : '';
              return {
                ok: false,
                error: `${error.message}${said}`,
                identitiesRead: 0,
                terminationDates: { parsed: 0, unparseable: 0, sample: [] },
              };
            }),
            probePagerDuty(config.pagerduty.eventsUrl, probeDispatcher, probeTimeoutMs),
          ]);
        } finally {
          await Promise.all([runtime.close(), probeDispatcher.destroy()]);
        }
        const warnings = cleartextWarnings(contactedUrls(config, context.env));
        const result = {
          ...buildCheckResult(resolve(options.config), config, routingKey, await checkFolders(config), iiq, { pagerduty, warnings }),
          exceptions,
          recheck: await describeRecheck(config, new Date()),
        };
        context.writeStdout(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatCheckText(result));
        logger[result.exitCode === ExitCode.ok ? 'info' : 'error']({ exitCode: result.exitCode }, 'check finished');
        return result.exitCode;
      });
      context.setExitCode(code);
    });
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
    ...(config.isc
      ? { isc: { baseUrl: config.isc.baseUrl, lifecycleStates: config.isc.lifecycleStates, ...iiq } }
      : { iiq: { baseUrl: config.iiq.baseUrl, api: config.iiq.api, auth: config.iiq.auth, ...iiq } }),
    pagerduty: { eventsUrl: config.pagerduty.eventsUrl, ...reachability.pagerduty },
    warnings: reachability.warnings,
    exitCode: worstExitCode(configProblem ? ExitCode.usage : ExitCode.ok, iiq.ok ? ExitCode.ok : ExitCode.iiqRead),
  };
}

/** The text form: one labelled line per finding. */
export function formatCheckText(result: CheckResult): string {
  const lines: [string, string][] = [];
  lines.push(['config', `${result.config.path}: valid`]);
  lines.push(['tiers', result.tiers.map((t) => `${t.tier} ${t.slaHours}h${t.default ? ' (default)' : ''}`).join(', ')]);
  const key = result.routingKey;
  lines.push([
    'routing key',
    key.status === 'ok'
      ? `PAGERDUTY_ROUTING_KEY is set and well formed (${key.length} characters)`
      : key.status === 'missing'
        ? 'PROBLEM: PAGERDUTY_ROUTING_KEY is not set'
        : `PROBLEM: PAGERDUTY_ROUTING_KEY is malformed (${key.length} characters): ${key.problem ?? `PagerDuty keys are ${ROUTING_KEY_LENGTH} letters and digits`}`,
  ]);
  const folders = new Map<string, { writable: boolean; names: string[] }>();
  for (const file of result.files) {
    const entry = folders.get(file.folder) ?? { writable: file.writable, names: [] };
    entry.names.push(file.name);
    folders.set(file.folder, entry);
  }
  for (const [folder, { writable, names }] of folders) {
    lines.push([
      'files',
      `${writable ? '' : 'PROBLEM: '}${folder} ${writable ? 'writable' : 'missing or not writable'} (${names.join(', ')})`,
    ]);
  }
  const iiq: SourceRead = result.iiq ??
    result.isc ?? { ok: false, identitiesRead: 0, terminationDates: { parsed: 0, unparseable: 0, sample: [] } };
  const problem = `PROBLEM: ${iiq.error ?? 'read failed'}`;
  if (result.isc) {
    const { isc } = result;
    lines.push([
      'isc',
      `${isc.baseUrl} (lifecycle states ${isc.lifecycleStates.join(', ')}): ${isc.ok ? 'authenticated, first search page read' : problem}`,
    ]);
  } else if (result.iiq) {
    lines.push([
      'iiq',
      `${result.iiq.baseUrl} (api ${result.iiq.api}, auth ${result.iiq.auth}): ${iiq.ok ? 'authenticated, first page read' : problem}`,
    ]);
  }
  if (iiq.ok) {
    lines.push([
      'identities',
      `${iiq.identitiesRead} ${result.isc ? 'leavers on the first search page' : 'inactive identities on the first page'}`,
    ]);
    const dates = iiq.terminationDates;
    lines.push([
      'termination',
      `${dates.parsed} parsed, ${dates.unparseable} not parseable${dates.unparseable > 0 ? ' (the first-seen-inactive instant stands in for those)' : ''}`,
    ]);
    const nameWidth = Math.max(0, ...dates.sample.map((s) => s.name.length));
    const tierWidth = Math.max(0, ...dates.sample.map((s) => s.tier.length));
    for (const s of dates.sample) {
      lines.push([
        '',
        `${s.name.padEnd(nameWidth)}  ${s.terminationDate}  ${s.tier.padEnd(tierWidth)}  ${s.pastSla ? 'past SLA' : 'within SLA'} (deadline ${s.slaDeadline})`,
      ]);
    }
    const unparseable = dates.unparseableSample ?? [];
    const unparseableWidth = Math.max(0, ...unparseable.map((u) => u.name.length));
    for (const u of unparseable) lines.push(['', `${u.name.padEnd(unparseableWidth)}  ${u.value}  not parseable`]);
  }
  if (result.recheck) lines.push(['re-check', formatRecheckLine(result.recheck)]);
  if (result.exceptions) lines.push(...formatExceptionsCheck(result.exceptions));
  lines.push(['pagerduty', `${result.pagerduty.eventsUrl}: ${result.pagerduty.ok ? '' : 'PROBLEM: '}${result.pagerduty.detail}`]);
  for (const warning of result.warnings) lines.push(['warning', warning]);
  lines.push(['result', result.exitCode === ExitCode.ok ? 'ok: no event was sent' : `FAILED (exit ${result.exitCode}); no event was sent`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return `${lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`).join('\n')}\n`;
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
