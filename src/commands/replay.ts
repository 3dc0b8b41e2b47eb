import type { Command } from 'commander';
import { replayDeadLetters } from '../pagerduty/replay.js';
import { createRuntime } from '../runtime.js';
import { withCommonOptions, withConfig, type CommandContext, type CommonOptions } from './context.js';

/** `replay`: re-sends dead-lettered events that still stand (spec 6); exit 0 only when none remains. */
export function registerReplayCommand(program: Command, context: CommandContext): void {
  withCommonOptions(program.command('replay').description('re-send dead-lettered events (current routing key); drop delivered and superseded lines'))
    .action(async (options: CommonOptions) => {
      const code = await withConfig(context, options, { routingKey: true }, async (config, logger) => {
        const runtime = createRuntime(config, logger);
        try {
          const outcome = await replayDeadLetters({
            deadLetterPath: config.deadLetter.path,
            statePath: config.state.path,
            auditPath: config.audit.path,
            sender: runtime.sender(),
            concurrency: config.pagerduty.concurrency,
            alertAfterFailures: config.health.alertAfterFailures,
            logger,
          });
          return outcome.exitCode;
        } finally {
          await runtime.close();
        }
      });
      context.setExitCode(code);
    });
}
