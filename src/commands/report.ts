import type { Command } from 'commander';
import { Option } from 'commander';
import { ExitCode } from '../errors.js';
import { formatReportCsv, formatReportTable } from '../report/format.js';
import { readAuditBreaches } from '../report/read-audit.js';
import { buildReport } from '../report/summary.js';
import { parseInstantArgument } from './parse-instant.js';
import { withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';

type ReportFormat = 'table' | 'json' | 'csv';

/** `report`: breaches, open incidents, detect and remediate times from the audit log (spec 7). */
export function registerReportCommand(program: Command, context: CommandContext): void {
  withCommonOptions(program.command('report').description('summarise the audit log: breaches, open, time to detect and to remediate'))
    .option('--since <iso8601>', 'only breaches first triggered at or after this instant (a bare date is midnight UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(async (options: CommonOptions & { since?: string; format: ReportFormat }) => {
      const sinceMs = parseSince(options.since);
      // Reads local files only: no routing key, no IIQ secrets (a malformed key in the env does not matter here).
      const env = { ...context.env, PAGERDUTY_ROUTING_KEY: undefined };
      const code = await withConfig({ ...context, env }, options, { routingKey: false, iiqCredentials: false }, async (config, logger) => {
        const audit = await readAuditBreaches(config.audit.path);
        if (!audit.found) logger.info({ path: config.audit.path }, 'no audit log yet: nothing has been delivered; the report is empty');
        if (audit.skipped.length > 0) {
          logger.warn({ path: config.audit.path, count: audit.skipped.length, lines: audit.skipped.slice(0, 20) }, 'audit lines could not be read and were left out of the report');
        }
        if (audit.unmatchedResolves.length > 0) {
          logger.warn({ count: audit.unmatchedResolves.length, dedup_keys: audit.unmatchedResolves.slice(0, 20).map((r) => r.dedupKey) }, 'resolves without an earlier trigger in the audit log were left out');
        }
        const report = buildReport(audit.breaches, sinceMs);
        if (options.format === 'json') context.writeStdout(`${JSON.stringify(report, null, 2)}\n`);
        else if (options.format === 'csv') context.writeStdout(formatReportCsv(report));
        else {
          context.writeStdout(
            formatReportTable(report, {
              auditPath: config.audit.path,
              since: sinceMs === undefined ? undefined : new Date(sinceMs).toISOString(),
              skippedLines: audit.skipped.length,
              unmatchedResolves: audit.unmatchedResolves.length,
            }),
          );
        }
        return ExitCode.ok;
      });
      context.setExitCode(code);
    });
}

function parseSince(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseInstantArgument('--since', value, { allowDate: true });
}
