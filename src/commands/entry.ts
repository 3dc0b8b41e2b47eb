import { Command, CommanderError } from 'commander';
import type { WatchdogEnv } from '../config/config.js';
import type { CommandContext } from './context.js';
import { registerCommands } from './register.js';
import { PRODUCT_NAME } from '../product-name.js';
import { ExitCode, ReportedError, UNEXPECTED_FAILURE_EXIT_CODE, WatchdogError, describeError } from '../errors.js';
import { asLocalFileError } from '../state/local-file.js';
import { Redactor } from '../secrets.js';

/**
 * Parses a command line (argv as process.argv: node, script, arguments) and runs its command in
 * this process with the given context; returns the exit code of the contract. The CLI entry point
 * calls it once; the in-process tests call it with their own output and environment.
 */
export async function runCommandLine(
  argv: readonly string[],
  context: Omit<CommandContext, 'setExitCode'>,
  version: string,
): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const recording: CommandContext = { ...context, setExitCode: (code) => (exitCode = code) };
  const program = new Command(PRODUCT_NAME)
    .description('Pages PagerDuty when an IdentityIQ Leaver misses its SLA; resolves once the accounts are disabled.')
    .version(version, '--version')
    .exitOverride()
    .configureOutput({ writeOut: context.writeStdout, writeErr: context.writeStderr });
  registerCommands(program, recording);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Commander printed its own message; a ReportedError was logged by the command.
    if (!(error instanceof CommanderError) && !(error instanceof ReportedError)) context.writeStderr(`error: ${describeFailure(error)}\n`);
    return exitCodeOf(error);
  }
  return exitCode;
}

/** A redactor that knows every secret the environment holds, before anything is logged. */
export function redactorForEnv(env: WatchdogEnv): Redactor {
  const redactor = new Redactor()
    .add(env.IIQ_PASSWORD)
    .add(env.IIQ_CLIENT_SECRET)
    .add(env.ISC_CLIENT_SECRET)
    .add(env.PAGERDUTY_ROUTING_KEY);
  if (env.IIQ_USERNAME && env.IIQ_PASSWORD) redactor.addBasic(env.IIQ_USERNAME, env.IIQ_PASSWORD);
  if (env.IIQ_CLIENT_ID && env.IIQ_CLIENT_SECRET) redactor.addBasic(env.IIQ_CLIENT_ID, env.IIQ_CLIENT_SECRET);
  // ISC's token request sends the secret form-encoded, which encodes a few characters unlike encodeURIComponent.
  if (env.ISC_CLIENT_SECRET) redactor.add(new URLSearchParams({ s: env.ISC_CLIENT_SECRET }).toString().slice(2));
  return redactor;
}

/**
 * The one map from a thrown error to the exit code of the contract: a typed error carries its
 * own; a file failure nobody named is 5; anything else is UNEXPECTED_FAILURE_EXIT_CODE (3).
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ReportedError) return exitCodeOf(error.error);
  if (error instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? ExitCode.ok : ExitCode.usage;
  }
  const typed = error instanceof WatchdogError ? error : asLocalFileError(error);
  return typed ? typed.exitCode : UNEXPECTED_FAILURE_EXIT_CODE;
}

/** One line for an error: a typed one's message; anything else marked as unexpected. */
export function describeFailure(error: unknown): string {
  const typed = error instanceof WatchdogError ? error : asLocalFileError(error);
  return typed ? typed.message : `unexpected failure: ${describeError(error)}`;
}
