/** Exit codes of the contract. Only cli.ts turns them into a process exit. */
export const ExitCode = {
  ok: 0,
  deadLettered: 1,
  usage: 2,
  /** The source (IIQ or ISC) could not be read completely. */
  sourceRead: 3,
  lockHeld: 4,
  /** A local file the run must write (state, journal, lock) could not be written; stands alone like 4. */
  localFile: 5,
  /** Stopped by SIGINT (128 + 2) after finishing and recording what was in flight. */
  interruptedInt: 130,
  /** Stopped by SIGTERM (128 + 15) after finishing and recording what was in flight. */
  interruptedTerm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that knows which exit code it stands for; its message is the one line an operator sees. */
export abstract class WatchdogError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad flag, invalid config or missing secret: nothing was contacted. */
export class ConfigError extends WatchdogError {
  readonly exitCode = ExitCode.usage;
  override readonly name = 'ConfigError';
}

/** Another live run holds the run lock. */
export class LockHeldError extends WatchdogError {
  readonly exitCode = ExitCode.lockHeld;
  override readonly name = 'LockHeldError';
}

/**
 * A local file the run must read or write (state, journal, lock, their temp files) failed: full
 * disk, no permission, missing folder, read-only file system. The message names the path and
 * the cause. Everything PagerDuty accepted before is still in the journal or the state file.
 */
export class LocalFileError extends WatchdogError {
  readonly exitCode = ExitCode.localFile;
  override readonly name = 'LocalFileError';
}

/**
 * The exit code of an error that carries none (a bug, or a failure nobody classified): 3, the
 * failed cycle. Not 2, which promises that nothing was contacted (a bug may strike mid-cycle);
 * 3 counts toward the health alert and shows as a failure in every scheduler, and the error
 * stops the command before anything is resolved on what it was computing.
 */
export const UNEXPECTED_FAILURE_EXIT_CODE: ExitCode = ExitCode.sourceRead;

/**
 * An error a command has already reported (one fatal log line); the entry point maps `error`
 * to its exit code without printing it again.
 */
export class ReportedError extends Error {
  override readonly name = 'ReportedError';
  constructor(readonly error: unknown) {
    super(describeError(error), { cause: error });
  }
}

/** The higher code wins when two apply. */
export function worstExitCode(...codes: ExitCode[]): ExitCode {
  return codes.reduce<ExitCode>((worst, code) => (code > worst ? code : worst), ExitCode.ok);
}

/** A short message for any thrown value, without a stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause && !error.message.includes(cause.slice(2)) ? cause : ''}`;
  }
  return String(error);
}
