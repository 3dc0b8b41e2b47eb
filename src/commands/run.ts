import type { Command } from 'commander';
import { loadExceptions } from './exceptions-file.js';
import { ExitCode } from '../errors.js';
import { cleartextWarnings, contactedUrls } from '../http/cleartext.js';
import { formatKeyValueTable } from '../log.js';
import type { CycleSummary } from '../cycle/cycle-input.js';
import { runCycle } from '../cycle/run-cycle.js';
import { DRY_RUN, deliverWith } from '../delivery/mode.js';
import { createRuntime } from './runtime.js';
import { sourceProfileOf } from '../source/source-profile.js';
import { parseInstantArgument } from './parse-instant.js';
import { unexpectedArgumentsError } from './unknown-command.js';
import { commandLogStyle, withConfig, type CommandContext } from './context.js';
import type { CommonOptions } from './options.js';

export type RunOptions = CommonOptions & { dryRun?: boolean; now?: string };

/** `run` (the default): one poll cycle. */
export async function runCommand(program: Command, command: Command, options: RunOptions, context: CommandContext): Promise<void> {
  if (command.args.length > 0) {
    throw unexpectedArgumentsError(
      command.args,
      program.commands.map((c) => c.name()),
      program.args[0] === 'run',
    );
  }
  const now = parseNow(options.now);
  context.stopGracefully();
  const code = await withConfig(context, options, { routingKey: !options.dryRun }, async (config, logger) => {
    // Validated before anything is contacted: a bad file is exit 2 like a bad config.
    const exceptions = loadExceptions(config.exceptions.path, now, config.leaver.timezone);
    for (const warning of cleartextWarnings(contactedUrls(config, context.env))) logger.warn(warning);
    const runtime = await createRuntime(config, logger, context.redactor);
    try {
      const outcome = await runCycle({
        config,
        source: runtime.source,
        mode: options.dryRun ? DRY_RUN : deliverWith(runtime.sender()),
        now,
        logger,
        writeStdout: context.writeStdout,
        writeStderr: context.writeStderr,
        sourceRequestCount: () => runtime.iiqHttp.requestCount,
        pingHeartbeat: (url) => runtime.pingHeartbeat(url),
        stop: context.stop,
        exceptions,
      });
      logger[outcome.exitCode === ExitCode.ok ? 'info' : 'error'](
        { summary: outcome.summary, exitCode: outcome.exitCode },
        'cycle summary',
      );
      if (commandLogStyle(context, options).kind === 'pretty')
        context.writeStderr(formatCycleTable(outcome.summary, outcome.exitCode, sourceProfileOf(config).label));
      return outcome.exitCode;
    } finally {
      await runtime.close();
    }
  });
  context.setExitCode(code);
}

function parseNow(value: string | undefined): Date {
  return value === undefined ? new Date() : new Date(parseInstantArgument('--now', value));
}

// The final table a person sees on a terminal (stderr, after the pretty logs; stdout stays for --dry-run).
function formatCycleTable(summary: CycleSummary, exitCode: number, sourceLabel: string): string {
  const byTier = Object.entries(summary.openIncidentsByTier)
    .map(([tier, count]) => `${tier} ${count}`)
    .join(', ');
  return formatKeyValueTable(`\ncycle ${summary.dryRun ? '(dry run) ' : ''}finished: exit ${exitCode}`, [
    ['inactive identities', `${summary.inactiveListed} listed, ${summary.pastSla} past SLA, ${summary.linksFetched} account lists read`],
    ['not-started leavers', `${summary.notStartedListed} listed (still active in the source after their termination)`],
    ['re-check', `${summary.verifiedCleanSkipped} skipped as verified clean, ${summary.verifiedCleanRechecked} verified clean re-checked`],
    [
      'changed accounts',
      `${summary.accountChangedReads} read because an account changed; next change read from ${summary.changeWatermark ?? '(none: IIQ REST has no change read, or no watermark yet)'}`,
    ],
    [
      summary.dryRun ? 'events planned' : 'events delivered',
      `${summary.triggered} triggered, ${summary.retriggered} re-triggered, ${summary.resolved} resolved${summary.dryRun ? ' (dry run: none sent)' : ''}`,
    ],
    // Only when processing requests were made or failed: most setups never turn them on.
    ...(summary.processingRequested + summary.processingRequestFailures > 0
      ? ([
          [
            'processing',
            `${summary.processingRequested} stalled leaver(s) ${summary.dryRun ? 'would be handed' : 'handed'} to the source, ${summary.processingRequestFailures} request(s) failed`,
          ],
        ] as [string, string][])
      : []),
    ['dead-lettered', String(summary.deadLettered)],
    ['open incidents', `${summary.openIncidents}${byTier ? ` (${byTier})` : ''}`],
    [sourceLabel, `${summary.sourceRequests} requests${summary.sourceReadError ? `; READ FAILED: ${summary.sourceReadError}` : ''}`],
    ['duration', `${(summary.durationMs / 1000).toFixed(1)} s`],
    ...(summary.interruptedBy
      ? ([['interrupted', `${summary.interruptedBy}: ${summary.notSent} event(s) left for the next cycle`]] as [string, string][])
      : []),
  ]);
}
