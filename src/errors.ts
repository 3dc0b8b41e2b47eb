/** Exit codes of the contract (spec 2). Only cli.ts turns them into a process exit. */
export const ExitCode = {
  ok: 0,
  deadLettered: 1,
  usage: 2,
  iiqRead: 3,
  lockHeld: 4,
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

/** Used when a thrower gave no classified form: says nothing IIQ sent. */
const UNCLASSIFIED_READ_ERROR = 'IIQ read failed (details in the log)';

/**
 * IIQ could not be read completely. `message` is the detailed text (may quote IIQ's answer):
 * logs only, through the redactor. `classified` is the short form that events and the state
 * file may carry (spec 4.4): source, method, path without query, and status or network cause,
 * e.g. `IIQ GET /scim/v2/Users: HTTP 500` — never anything IIQ sent.
 */
export class IiqReadError extends WatchdogError {
  readonly exitCode = ExitCode.iiqRead;
  override readonly name = 'IiqReadError';
  readonly classified: string;
  constructor(message: string, options: { classified?: string | undefined } = {}) {
    super(message);
    this.classified = options.classified ?? UNCLASSIFIED_READ_ERROR;
  }
}

/** Another live run holds the run lock. */
export class LockHeldError extends WatchdogError {
  readonly exitCode = ExitCode.lockHeld;
  override readonly name = 'LockHeldError';
}

/** The higher code wins when two apply (spec 2). */
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
