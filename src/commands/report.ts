import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, ExitCode } from '../errors.js';
import { formatReportCsv, formatReportTable } from '../report/format.js';
import { readAuditBreaches } from '../report/read-audit.js';
import { buildFullReport } from '../report/full-report.js';
import { renderHtmlReport } from '../report/html-report.js';
import { describeFileCause, writeFileAtomic } from '../state/local-file.js';
import { parseInstantArgument } from './parse-instant.js';
import { withConfig, type CommandContext } from './context.js';
import type { CommonOptions } from './options.js';

type ReportFormat = 'table' | 'json' | 'csv' | 'html';
export type ReportOptions = CommonOptions & { since?: string; format: ReportFormat; output?: string; now?: string };

/** `report`: breaches, open incidents, detect and remediate times from the audit log. */
export async function reportCommand(options: ReportOptions, context: CommandContext): Promise<void> {
  const sinceMs = parseSince(options.since);
  const nowMs = parseReportNow(options.now);
  // Reads local files only: no routing key, no IIQ secrets (a malformed key in the env does not matter here).
  const env = { ...context.env, PAGERDUTY_ROUTING_KEY: undefined };
  const code = await withConfig({ ...context, env }, options, { routingKey: false, iiqCredentials: false }, async (config, logger) => {
    const audit = await readAuditBreaches(config.audit.path);
    if (!audit.found) logger.info({ path: config.audit.path }, 'no audit log yet: nothing has been delivered; the report is empty');
    if (audit.skipped.length > 0) {
      logger.warn(
        { path: config.audit.path, count: audit.skipped.length, lines: audit.skipped.slice(0, 20) },
        'audit lines could not be read and were left out of the report',
      );
    }
    if (audit.unmatchedResolves.length > 0) {
      logger.warn(
        { count: audit.unmatchedResolves.length, dedup_keys: audit.unmatchedResolves.slice(0, 20).map((r) => r.dedupKey) },
        'resolves without an earlier trigger in the audit log were left out',
      );
    }
    const report = buildFullReport(audit.breaches, audit.exceptions, sinceMs, nowMs, audit.tasks);
    const heading = {
      auditPath: config.audit.path,
      since: sinceMs === undefined ? undefined : new Date(sinceMs).toISOString(),
      skippedLines: audit.skipped.length,
      unmatchedResolves: audit.unmatchedResolves.length,
    };
    const text =
      options.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : options.format === 'csv'
          ? formatReportCsv(report)
          : options.format === 'html'
            ? renderHtmlReport(report, heading)
            : formatReportTable(report, heading);
    if (options.output === undefined) context.writeStdout(text);
    else await writeReportFile(options.output, text, logger);
    return ExitCode.ok;
  });
  context.setExitCode(code);
}

function parseSince(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseInstantArgument('--since', value, { allowDate: true });
}

function parseReportNow(value: string | undefined): number {
  return value === undefined ? Date.now() : parseInstantArgument('--now', value);
}

// Atomic: a reader (a web server, a mail job) never sees half a report. A path that cannot be written is a bad flag.
async function writeReportFile(path: string, text: string, logger: Logger): Promise<void> {
  const target = resolve(path);
  try {
    await writeFileAtomic(target, text);
  } catch (error) {
    throw new ConfigError(`--output ${target} could not be written: ${describeFileCause(target, error)}`);
  }
  logger.info({ path: target, bytes: Buffer.byteLength(text) }, 'report written');
}
