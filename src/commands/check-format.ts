import { ROUTING_KEY_LENGTH } from '../config/config.js';
import { ExitCode } from '../errors.js';
import { formatExceptionsCheck } from './check-exceptions.js';
import { formatChangeReadLine, formatRecheckLine } from './check-recheck.js';
import { formatChainTaskLines } from './check-chain.js';
import { formatNotStartedLine } from './check-not-started.js';
import type { CheckResult, SourceRead } from './check-result.js';

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
  if (result.notStarted) lines.push(['not started', formatNotStartedLine(result.notStarted)]);
  if (result.processingRequests) lines.push(['processing', result.processingRequests.detail]);
  if (result.recheck) lines.push(['re-check', formatRecheckLine(result.recheck)]);
  if (result.recheck) lines.push(['changed accounts', formatChangeReadLine(result.recheck.changeRead)]);
  if (result.chainTasks) lines.push(...formatChainTaskLines(result.chainTasks));
  if (result.exceptions) lines.push(...formatExceptionsCheck(result.exceptions));
  lines.push(['pagerduty', `${result.pagerduty.eventsUrl}: ${result.pagerduty.ok ? '' : 'PROBLEM: '}${result.pagerduty.detail}`]);
  for (const warning of result.warnings) lines.push(['warning', warning]);
  lines.push(['result', result.exitCode === ExitCode.ok ? 'ok: no event was sent' : `FAILED (exit ${result.exitCode}); no event was sent`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return `${lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`).join('\n')}\n`;
}
