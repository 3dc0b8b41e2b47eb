import { ConfigError } from '../errors.js';
import { cleartextWarnings, contactedUrls } from '../http/cleartext.js';
import { createDispatcher } from '../http/dispatcher.js';
import { replayDeadLetters } from '../replay/replay.js';
import { DRY_RUN, deliverWith } from '../delivery/mode.js';
import { createConfiguredSender } from './runtime.js';
import { withConfig, type CommandContext } from './context.js';
import type { CommonOptions } from './options.js';

export type ReplayOptions = CommonOptions & { dryRun?: boolean };

/** `replay`: re-sends dead-lettered events that still stand; exit 0 only when none remains. */
export async function replayCommand(options: ReplayOptions, context: CommandContext): Promise<void> {
  context.stopGracefully();
  const dryRun = options.dryRun === true;
  // Replay talks to PagerDuty only: it needs the routing key (unless a dry run), not the IIQ secrets.
  const code = await withConfig(context, options, { routingKey: !dryRun, iiqCredentials: false }, async (config, logger) => {
    if (!dryRun) for (const warning of cleartextWarnings(contactedUrls({ pagerduty: config.pagerduty }, context.env))) logger.warn(warning);
    const routingKey = config.pagerduty.routingKey;
    if (!routingKey && !dryRun) throw new ConfigError('PAGERDUTY_ROUTING_KEY is not set');
    const dispatcher = createDispatcher({
      connections: config.pagerduty.concurrency,
      timeoutMs: config.pagerduty.timeoutSeconds * 1000,
    });
    try {
      const outcome = await replayDeadLetters({
        deadLetterPath: config.deadLetter.path,
        statePath: config.state.path,
        auditPath: config.audit.path,
        mode: routingKey && !dryRun ? deliverWith(createConfiguredSender(config, routingKey, dispatcher, logger)) : DRY_RUN,
        writeStdout: context.writeStdout,
        writeStderr: context.writeStderr,
        concurrency: config.pagerduty.concurrency,
        alertAfterFailures: config.health.alertAfterFailures,
        logger,
        stop: context.stop,
      });
      return outcome.exitCode;
    } finally {
      await dispatcher.destroy();
    }
  });
  context.setExitCode(code);
}
