import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigNeeds, type WatchdogEnv } from '../config/config.js';
import { environmentOverrides } from '../config/env-overrides.js';
import { ReportedError, WatchdogError, describeError } from '../errors.js';
import { asLocalFileError } from '../state/local-file.js';
import { createLogger, resolveLogStyle, type LogStyle } from '../log.js';
import type { Redactor } from '../secrets.js';
import type { CommonOptions } from './options.js';

/** What every command gets from the entry point: environment, redacting output streams. */
export interface CommandContext {
  env: WatchdogEnv;
  redactor: Redactor;
  /** stdout, secrets redacted: only what the command produces for a person or a pipe. */
  writeStdout: (text: string) => void;
  /** stderr, secrets redacted: logs. */
  writeStderr: (text: string) => void;
  /** Records the outcome of a command that ran to its end (0, 1, 3 for a partial read...); failures are thrown instead. */
  setExitCode(code: number): void;
  /** Aborts on SIGTERM / SIGINT (reason: the signal's name) once the command called stopGracefully(). */
  stop: AbortSignal;
  /** The command stops gracefully on a signal (records what is in flight) instead of exiting at once. */
  stopGracefully(): void;
  /** The command handles SIGINT / SIGTERM on its own (the sandbox stops its fakes and exits 0). */
  handleSignalsItself(): void;
}

/** The log style of a command: `--log-format` against whether stderr is a terminal. */
export function commandLogStyle(context: CommandContext, options: Pick<CommonOptions, 'logFormat'>): LogStyle {
  return resolveLogStyle(options.logFormat ?? 'auto', process.stderr.isTTY, context.env as { NO_COLOR?: string });
}

/**
 * Loads the config and runs a command body, returning its outcome (the exit code of a command
 * that ran to its end). A failure is logged as one fatal line (never a bare stack trace) and
 * thrown on as a ReportedError: the entry point alone maps it to its exit code.
 */
export async function withConfig(
  context: CommandContext,
  options: CommonOptions,
  needs: ConfigNeeds,
  body: (config: Config, logger: Logger) => Promise<number>,
): Promise<number> {
  const logger = createLogger(
    options.logLevel,
    context.redactor,
    { write: (text) => context.writeStderr(text) },
    commandLogStyle(context, options),
  );
  try {
    const config = loadConfig(options.config, context.env, needs);
    for (const { variable, key, value } of environmentOverrides(context.env)) {
      logger.info({ variable, key, url: value }, `${variable} from the environment overrides ${key} of the config file`);
    }
    return await body(config, logger);
  } catch (caught) {
    // A file failure nobody named is still exit 5 with its path, never "unexpected failure".
    const error = asLocalFileError(caught) ?? caught;
    if (error instanceof WatchdogError) logger.fatal({ exitCode: error.exitCode }, error.message);
    else logger.fatal({ error: describeError(error), stack: (error as Error).stack }, `unexpected failure: ${describeError(error)}`);
    throw new ReportedError(error);
  }
}
