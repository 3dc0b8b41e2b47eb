import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ROUTING_KEY_LENGTH, isWellFormedRoutingKey, type Config } from '../config/config.js';
import { ExitCode, IiqReadError, worstExitCode, type ExitCode as ExitCodeType } from '../errors.js';
import type { Identity } from '../iiq/source.js';
import { policyFrom } from '../run.js';
import { createRuntime } from '../runtime.js';
import { assessIdentity } from '../sla/policy.js';
import { describeRecheck, formatRecheckLine, type RecheckOutlook } from './check-recheck.js';
import { withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';

/** How many parsed termination dates `check` shows. */
const SAMPLE_SIZE = 5;

/** What `check` found; printed as text or as JSON (`--format json`). */
export interface CheckResult {
  config: { path: string; valid: true };
  tiers: { tier: string; slaHours: number; default: boolean }[];
  routingKey: { status: 'ok' | 'missing' | 'malformed'; length: number };
  files: { name: string; folder: string; writable: boolean }[];
  iiq: {
    baseUrl: string;
    api: string;
    auth: string;
    ok: boolean;
    error?: string;
    identitiesRead: number;
    terminationDates: { parsed: number; unparseable: number; sample: { name: string; terminationDate: string; tier: string; slaDeadline: string; pastSla: boolean }[] };
  };
  /** Spec 10: what a cycle now would skip as verified clean and re-check (from the state file). */
  recheck?: RecheckOutlook;
  exitCode: ExitCodeType;
}

/** `check`: validates the config and secrets, reads one page from IIQ; sends nothing. Exit 0 / 2 / 3. */
export function registerCheckCommand(program: Command, context: CommandContext): void {
  withCommonOptions(program.command('check').description('validate config and secrets, authenticate to IIQ and read one page; sends nothing'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: CommonOptions & { format: 'text' | 'json' }) => {
      const routingKey = context.env.PAGERDUTY_ROUTING_KEY;
      // Load without the routing key: check reports on it below instead of stopping at it.
      const env = { ...context.env, PAGERDUTY_ROUTING_KEY: undefined };
      const code = await withConfig({ ...context, env }, options, { routingKey: false }, async (config, logger) => {
        const runtime = createRuntime(config, logger, context.redactor);
        let iiq: Omit<CheckResult['iiq'], 'baseUrl' | 'api' | 'auth'>;
        try {
          iiq = await readFirstPage(runtime.source.listInactiveIdentities(), config, new Date());
        } catch (error) {
          if (!(error instanceof IiqReadError)) throw error;
          iiq = { ok: false, error: error.message, identitiesRead: 0, terminationDates: { parsed: 0, unparseable: 0, sample: [] } };
        } finally {
          await runtime.close();
        }
        const result = { ...buildCheckResult(resolve(options.config), config, routingKey, await checkFolders(config), iiq), recheck: await describeRecheck(config, new Date()) };
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

/** Puts the findings together and decides the exit code: 2 for config or secrets, 3 for IIQ, the higher wins. */
export function buildCheckResult(
  configPath: string,
  config: Config,
  routingKey: string | undefined,
  files: CheckResult['files'],
  iiq: Omit<CheckResult['iiq'], 'baseUrl' | 'api' | 'auth'>,
): CheckResult {
  const key = describeRoutingKey(routingKey);
  const configProblem = key.status !== 'ok' || files.some((file) => !file.writable);
  return {
    config: { path: configPath, valid: true },
    tiers: Object.entries(config.slaHours).map(([tier, slaHours]) => ({ tier, slaHours, default: tier === config.leaver.defaultTier })),
    routingKey: key,
    files,
    iiq: { baseUrl: config.iiq.baseUrl, api: config.iiq.api, auth: config.iiq.auth, ...iiq },
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
        : `PROBLEM: PAGERDUTY_ROUTING_KEY is malformed (${key.length} characters; PagerDuty keys are ${ROUTING_KEY_LENGTH} letters and digits)`,
  ]);
  const folders = new Map<string, { writable: boolean; names: string[] }>();
  for (const file of result.files) {
    const entry = folders.get(file.folder) ?? { writable: file.writable, names: [] };
    entry.names.push(file.name);
    folders.set(file.folder, entry);
  }
  for (const [folder, { writable, names }] of folders) {
    lines.push(['files', `${writable ? '' : 'PROBLEM: '}${folder} ${writable ? 'writable' : 'missing or not writable'} (${names.join(', ')})`]);
  }
  const { iiq } = result;
  lines.push(['iiq', `${iiq.baseUrl} (api ${iiq.api}, auth ${iiq.auth}): ${iiq.ok ? 'authenticated, first page read' : `PROBLEM: ${iiq.error ?? 'read failed'}`}`]);
  if (iiq.ok) {
    lines.push(['identities', `${iiq.identitiesRead} inactive identities on the first page`]);
    const dates = iiq.terminationDates;
    lines.push(['termination', `${dates.parsed} parsed, ${dates.unparseable} not parseable${dates.unparseable > 0 ? ' (the first-seen-inactive instant stands in for those)' : ''}`]);
    const nameWidth = Math.max(0, ...dates.sample.map((s) => s.name.length));
    const tierWidth = Math.max(0, ...dates.sample.map((s) => s.tier.length));
    for (const s of dates.sample) {
      lines.push(['', `${s.name.padEnd(nameWidth)}  ${s.terminationDate}  ${s.tier.padEnd(tierWidth)}  ${s.pastSla ? 'past SLA' : 'within SLA'} (deadline ${s.slaDeadline})`]);
    }
  }
  if (result.recheck) lines.push(['re-check', formatRecheckLine(result.recheck)]);
  lines.push(['result', result.exitCode === ExitCode.ok ? 'ok: no event was sent' : `FAILED (exit ${result.exitCode}); no event was sent`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return `${lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`).join('\n')}\n`;
}

async function readFirstPage(pages: AsyncIterable<Identity[]>, config: Config, now: Date): Promise<Omit<CheckResult['iiq'], 'baseUrl' | 'api' | 'auth'>> {
  let page: Identity[] = [];
  // Only the first page: leaving the loop ends the listing.
  for await (const first of pages) {
    page = first.filter((identity) => identity.inactive);
    break;
  }
  const policy = policyFrom(config);
  const nowMs = now.getTime();
  const sample: CheckResult['iiq']['terminationDates']['sample'] = [];
  let parsed = 0;
  for (const identity of page) {
    // firstSeen NaN: an unparseable date shows up as NaN terminatedAtMs, never as a made-up instant.
    const assessment = assessIdentity(identity, policy, Number.NaN, nowMs);
    if (assessment.terminationSource !== 'attribute') continue;
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
  return { ok: true, identitiesRead: page.length, terminationDates: { parsed, unparseable: page.length - parsed, sample } };
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
