import type { Command } from 'commander';
import { Option } from 'commander';
import type { CheckOptions } from './check.js';
import type { CommandContext } from './context.js';
import { withCommonOptions } from './options.js';
import type { ReplayOptions } from './replay.js';
import type { ReportOptions } from './report.js';
import type { RunOptions } from './run.js';
import type { SandboxOptions } from './sandbox.js';

/**
 * Declares every command with its options (commander needs them for --help and for parsing),
 * and loads a command's code only when that command runs: a cycle never loads the report,
 * sandbox or check code, and --version or --help load none of them. Each start of the CLI pays
 * only for what its command uses.
 */
export function registerCommands(program: Command, context: CommandContext): void {
  withCommonOptions(program.command('run', { isDefault: true }).description('run one poll cycle (default)'))
    .option('--dry-run', 'read IIQ and evaluate; send and write nothing, print planned actions on stdout')
    .option('--now <iso8601>', 'evaluate as if the clock read this instant')
    // Leftover words are checked by the command: as the default command, run would otherwise
    // answer a typo such as `reprot` with "too many arguments for 'run'".
    .allowExcessArguments(true)
    .action(async (options: RunOptions, command: Command) => (await import('./run.js')).runCommand(program, command, options, context));

  withCommonOptions(
    program.command('replay').description('re-send dead-lettered events (current routing key); drop delivered and superseded lines'),
  )
    .option('--dry-run', 'print the events replay would send (one JSON line each on stdout); send and write nothing')
    .action(async (options: ReplayOptions) => (await import('./replay.js')).replayCommand(options, context));

  withCommonOptions(program.command('report').description('summarise the audit log: breaches, open, time to detect and to remediate'))
    .option('--since <iso8601>', 'only breaches first triggered at or after this instant (a bare date is midnight UTC)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'html']).default('table'))
    .option('--output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--now <iso8601>', 'measure ages and exceptions in force as if the clock read this instant')
    .action(async (options: ReportOptions) => (await import('./report.js')).reportCommand(options, context));

  withCommonOptions(
    program.command('check').description('validate config and secrets, read one page from IIQ, probe the PagerDuty URL; opens no incident'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: CheckOptions) => (await import('./check.js')).checkCommand(options, context));

  program
    .command('sandbox')
    .description('serve a fake IIQ and PagerDuty on loopback with a ready config, to try the watchdog by hand or smoke-test a config in CI')
    .option('--scenario <file>', 'serve the identities of this scenario file instead of the built-in story')
    .option('--config <file>', "write a copy of this config pointed at the fakes, instead of the sandbox's own")
    .option('--ci', 'for pipelines: one JSON line on stdout, no colours or prompts; SIGTERM or SIGINT stops it (exit 0)')
    .option('--keep', 'keep the folder (config, env, state, audit) when stopping')
    .action(async (options: SandboxOptions) => (await import('./sandbox.js')).sandboxCommand(options, context));
}
