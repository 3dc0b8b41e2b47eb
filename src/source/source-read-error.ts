import { ExitCode, WatchdogError } from '../errors.js';

/** Used when a thrower gave no classified form: says nothing the source sent. */
const UNCLASSIFIED_READ_ERROR = 'source read failed (details in the log)';

/**
 * The identity source (IIQ or ISC) could not be read completely: exit 3. `message` is the
 * detailed text (may quote the source's answer): logs only, through the redactor. `classified`
 * is the short form that events and the state file may carry: source, method, path without
 * query, and status or network cause, e.g. `IIQ GET /scim/v2/Users: HTTP 500` — never anything
 * the source sent. `detail` is what the source said about it (ISC's first message text,
 * detailCode and trackingId): logs and `check` only.
 */
export class SourceReadError extends WatchdogError {
  readonly exitCode = ExitCode.sourceRead;
  override readonly name = 'SourceReadError';
  readonly classified: string;
  readonly detail: string | undefined;
  constructor(message: string, options: { classified?: string | undefined; detail?: string | undefined } = {}) {
    super(message);
    this.classified = options.classified ?? UNCLASSIFIED_READ_ERROR;
    this.detail = options.detail;
  }
}
