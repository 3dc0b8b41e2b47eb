import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { cleartextWarnings, contactedUrls } from '../http/cleartext.js';
import { createDispatcher } from '../http/dispatcher.js';
import { replayDeadLetters } from '../replay/replay.js';
import { createConfiguredSender } from './runtime.js';
import { withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';

/** `replay`: re-sends dead-lettered events that still stand (spec 6); exit 0 only when none remains. */
export function registerReplayCommand(program: Command, context: CommandContext): void {
  withCommonOptions(
    program.command('replay').description('re-send dead-lettered events (current routing key); drop delivered and superseded lines'),
  ).action(async (options: CommonOptions) => {
    context.stopGracefully();
    // Replay talks to PagerDuty only: it needs the routing key, not the IIQ secrets.
    const code = await withConfig(context, options, { routingKey: true, iiqCredentials: false }, async (config, logger) => {
      for (const warning of cleartextWarnings(contactedUrls({ pagerduty: config.pagerduty }, context.env))) logger.warn(warning);
      const routingKey = config.pagerduty.routingKey;
      if (!routingKey) throw new ConfigError('PAGERDUTY_ROUTING_KEY is not set');
      const dispatcher = createDispatcher({ connections: config.pagerduty.concurrency, timeoutMs: config.pagerduty.timeoutSeconds * 1000 });
      try {
        const outcome = await replayDeadLetters({
          deadLetterPath: config.deadLetter.path,
          statePath: config.state.path,
          auditPath: config.audit.path,
          sender: createConfiguredSender(config, routingKey, dispatcher, logger),
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
  });
}
