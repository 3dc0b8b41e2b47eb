#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import dotenv from 'dotenv';
import type { Level, Logger } from 'pino';
import { loadConfig, type ConfigNeeds, type WatchdogEnv } from './config/config.js';
import { ConfigError, ExitCode, WatchdogError, describeError } from './errors.js';
import { LOG_LEVELS, createLogger } from './log.js';
import { runCycle } from './run.js';
import { createRuntime } from './runtime.js';
import { Redactor } from './secrets.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface CommonOptions {
  config: string;
  logLevel: Level;
}

/** Parses the command line, runs the command, and returns the exit code of the contract. */
async function main(argv: readonly string[]): Promise<number> {
  dotenv.config({ quiet: true });
  const env = process.env as WatchdogEnv;
  const redactor = new Redactor().add(env.IIQ_PASSWORD).add(env.IIQ_CLIENT_SECRET).add(env.PAGERDUTY_ROUTING_KEY);
  if (env.IIQ_USERNAME && env.IIQ_PASSWORD) redactor.addBasic(env.IIQ_USERNAME, env.IIQ_PASSWORD);
  if (env.IIQ_CLIENT_ID && env.IIQ_CLIENT_SECRET) redactor.addBasic(env.IIQ_CLIENT_ID, env.IIQ_CLIENT_SECRET);
  const writeStdout = (text: string): void => void process.stdout.write(redactor.apply(text));
  const writeStderr = (text: string): void => void process.stderr.write(redactor.apply(text));

  let exitCode: number = ExitCode.ok;
  const program = new Command('iiq-leaver-sla-watchdog')
    .description('Pages PagerDuty when an IdentityIQ Leaver misses its SLA; resolves once the accounts are disabled.')
    .version(VERSION, '--version')
    .exitOverride()
    .configureOutput({ writeOut: writeStdout, writeErr: writeStderr });

  const withCommonOptions = (command: Command): Command =>
    command
      .option('--config <file>', 'JSON config file', './config.json')
      .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'));

  withCommonOptions(program.command('run', { isDefault: true }).description('run one poll cycle (default)'))
    .option('--dry-run', 'read IIQ and evaluate; send and write nothing, print planned actions on stdout')
    .option('--now <iso8601>', 'evaluate as if the clock read this instant')
    .action(async (options: CommonOptions & { dryRun?: boolean; now?: string }) => {
      const now = parseNow(options.now);
      exitCode = await withConfig(options, { routingKey: !options.dryRun }, async (config, logger) => {
        const runtime = createRuntime(config, logger);
        try {
          const outcome = await runCycle({
            config,
            source: runtime.source,
            sender: options.dryRun ? undefined : runtime.sender(),
            now,
            logger,
            writeStdout,
            writeStderr,
            iiqRequestCount: () => runtime.iiqHttp.requestCount,
          });
          const level = outcome.exitCode === ExitCode.ok ? 'info' : 'error';
          logger[level]({ summary: outcome.summary, exitCode: outcome.exitCode }, 'cycle summary');
          return outcome.exitCode;
        } finally {
          await runtime.close();
        }
      });
    });

  async function withConfig(
    options: CommonOptions,
    needs: ConfigNeeds,
    body: (config: ReturnType<typeof loadConfig>, logger: Logger) => Promise<number>,
  ): Promise<number> {
    const logger = createLogger(options.logLevel, redactor, { write: writeStderr });
    try {
      return await body(loadConfig(options.config, env, needs), logger);
    } catch (error) {
      if (error instanceof WatchdogError) {
        logger.fatal({ exitCode: error.exitCode }, error.message);
        return error.exitCode;
      }
      logger.fatal({ error: describeError(error), stack: (error as Error).stack }, `unexpected failure: ${describeError(error)}`);
      return ExitCode.iiqRead;
    }
  }

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof ConfigError) {
      writeStderr(`error: ${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
  return exitCode;
}

function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new ConfigError(`--now "${value}" is not an ISO 8601 instant such as 2026-11-24T09:00:00Z`);
  return new Date(ms);
}

main(process.argv).then(
  (code) => process.stderr.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`, () => process.exit(ExitCode.usage));
  },
);
