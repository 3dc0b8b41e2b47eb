#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import dotenv from 'dotenv';
import type { CommandContext } from './commands/context.js';
import { registerCommands } from './commands/register.js';
import type { WatchdogEnv } from './config/config.js';
import { ExitCode, ReportedError, UNEXPECTED_FAILURE_EXIT_CODE, WatchdogError, describeError } from './errors.js';
import { asLocalFileError } from './state/local-file.js';
import { applyMemoryPosture } from './memory-posture.js';
import { Redactor } from './secrets.js';
import { exitCodeForSignalName, listenForStop } from './cycle/stop-signal.js';
import { PRODUCT_NAME } from './product-name.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Parses the command line, runs the command, and returns the exit code of the contract. */
async function main(argv: readonly string[]): Promise<number> {
  dotenv.config({ quiet: true });
  const env = process.env as WatchdogEnv;
  const redactor = new Redactor()
    .add(env.IIQ_PASSWORD)
    .add(env.IIQ_CLIENT_SECRET)
    .add(env.ISC_CLIENT_SECRET)
    .add(env.PAGERDUTY_ROUTING_KEY);
  if (env.IIQ_USERNAME && env.IIQ_PASSWORD) redactor.addBasic(env.IIQ_USERNAME, env.IIQ_PASSWORD);
  if (env.IIQ_CLIENT_ID && env.IIQ_CLIENT_SECRET) redactor.addBasic(env.IIQ_CLIENT_ID, env.IIQ_CLIENT_SECRET);
  // ISC's token request sends the secret form-encoded, which encodes a few characters unlike encodeURIComponent.
  if (env.ISC_CLIENT_SECRET) redactor.add(new URLSearchParams({ s: env.ISC_CLIENT_SECRET }).toString().slice(2));

  let exitCode: number = ExitCode.ok;
  let graceful = false;
  let ownHandling = false;
  // run and replay stop gracefully; other commands, and a second signal, stop at once.
  const stop = listenForStop({
    graceful: () => graceful,
    ownHandling: () => ownHandling,
    stopNow: (name) => {
      process.stderr.write(`error: ${name}: stopping at once\n`);
      exitAfterFlush(exitCodeForSignalName(name));
    },
  });
  const context: CommandContext = {
    stop: stop.signal,
    stopGracefully: () => void (graceful = true),
    handleSignalsItself: () => void (ownHandling = true),
    env,
    redactor,
    writeStdout: (text) => void process.stdout.write(redactor.apply(text)),
    writeStderr: (text) => void process.stderr.write(redactor.apply(text)),
    setExitCode: (code) => (exitCode = code),
  };
  const program = new Command(PRODUCT_NAME)
    .description('Pages PagerDuty when an IdentityIQ Leaver misses its SLA; resolves once the accounts are disabled.')
    .version(VERSION, '--version')
    .exitOverride()
    .configureOutput({ writeOut: context.writeStdout, writeErr: context.writeStderr });
  registerCommands(program, context);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Commander printed its own message; a ReportedError was logged by the command.
    if (!(error instanceof CommanderError) && !(error instanceof ReportedError)) context.writeStderr(`error: ${describeFailure(error)}\n`);
    return exitCodeOf(error);
  }
  return exitCode;
}

/**
 * The one map from a thrown error to the exit code of the contract: a typed error carries its
 * own; a file failure nobody named is 5; anything else is UNEXPECTED_FAILURE_EXIT_CODE (3).
 */
function exitCodeOf(error: unknown): number {
  if (error instanceof ReportedError) return exitCodeOf(error.error);
  if (error instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? ExitCode.ok : ExitCode.usage;
  }
  const typed = error instanceof WatchdogError ? error : asLocalFileError(error);
  return typed ? typed.exitCode : UNEXPECTED_FAILURE_EXIT_CODE;
}

/** One line for an error: a typed one's message; anything else marked as unexpected. */
function describeFailure(error: unknown): string {
  const typed = error instanceof WatchdogError ? error : asLocalFileError(error);
  return typed ? typed.message : `unexpected failure: ${describeError(error)}`;
}

// The only place that exits, and only once stdout and stderr have drained: on Linux a pipe is
// written asynchronously, so exiting at once would cut `run --dry-run | jq` short.
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

applyMemoryPosture();
main(process.argv).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`error: ${describeFailure(error)}\n`);
  exitAfterFlush(exitCodeOf(error));
});
