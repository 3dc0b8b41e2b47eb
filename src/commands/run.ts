import type { Command } from 'commander';
import { ConfigError, ExitCode } from '../errors.js';
import { formatKeyValueTable } from '../log.js';
import { runCycle, type CycleSummary } from '../run.js';
import { createRuntime } from '../runtime.js';
import { commandLogStyle, withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';

/** `run` (the default): one poll cycle. */
export function registerRunCommand(program: Command, context: CommandContext): void {
  withCommonOptions(program.command('run', { isDefault: true }).description('run one poll cycle (default)'))
    .option('--dry-run', 'read IIQ and evaluate; send and write nothing, print planned actions on stdout')
    .option('--now <iso8601>', 'evaluate as if the clock read this instant')
    .action(async (options: CommonOptions & { dryRun?: boolean; now?: string }) => {
      const now = parseNow(options.now);
      const code = await withConfig(context, options, { routingKey: !options.dryRun }, async (config, logger) => {
        const runtime = createRuntime(config, logger, context.redactor);
        try {
          const outcome = await runCycle({
            config,
            source: runtime.source,
            sender: options.dryRun ? undefined : runtime.sender(),
            now,
            logger,
            writeStdout: context.writeStdout,
            writeStderr: context.writeStderr,
            iiqRequestCount: () => runtime.iiqHttp.requestCount,
            pingHeartbeat: (url) => runtime.pingHeartbeat(url),
          });
          logger[outcome.exitCode === ExitCode.ok ? 'info' : 'error']({ summary: outcome.summary, exitCode: outcome.exitCode }, 'cycle summary');
          if (commandLogStyle(context, options).kind === 'pretty') context.writeStderr(formatCycleTable(outcome.summary, outcome.exitCode));
          return outcome.exitCode;
        } finally {
          await runtime.close();
        }
      });
      context.setExitCode(code);
    });
}

function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw new ConfigError(`--now "${value}" is not an ISO 8601 instant such as 2026-11-24T09:00:00Z`);
  }
  return new Date(ms);
}

// The final table a person sees on a terminal (stderr, after the pretty logs; stdout stays for --dry-run).
function formatCycleTable(summary: CycleSummary, exitCode: number): string {
  const byTier = Object.entries(summary.openIncidentsByTier).map(([tier, count]) => `${tier} ${count}`).join(', ');
  return formatKeyValueTable(`\ncycle ${summary.dryRun ? '(dry run) ' : ''}finished: exit ${exitCode}`, [
    ['inactive identities', `${summary.inactiveListed} listed, ${summary.pastSla} past SLA, ${summary.linksFetched} account lists read`],
    ['re-check', `${summary.verifiedCleanSkipped} skipped as verified clean, ${summary.verifiedCleanRechecked} verified clean re-checked`],
    ['events delivered', `${summary.triggered} triggered, ${summary.retriggered} re-triggered, ${summary.resolved} resolved`],
    ['dead-lettered', String(summary.deadLettered)],
    ['open incidents', `${summary.openIncidents}${byTier ? ` (${byTier})` : ''}`],
    ['IIQ', `${summary.iiqRequests} requests${summary.iiqReadError ? `; READ FAILED: ${summary.iiqReadError}` : ''}`],
    ['duration', `${(summary.durationMs / 1000).toFixed(1)} s`],
  ]);
}
