import { SourceReadError } from './source-read-error.js';

/** Supplies the Authorization header for a source's requests (IIQ Basic or OAuth, ISC OAuth). */
export interface SourceAuth {
  /** The header value for the next request. */
  authorization(): Promise<string>;
  /**
   * Called once per request after a 401, with the header the source refused; returns true when a
   * retry with fresh credentials makes sense.
   */
  renewAfterUnauthorized(rejected?: string): Promise<boolean>;
  /** What an operator should check when the source refuses the credentials. */
  readonly hint: string;
}

/** Getting credentials failed (e.g. the OAuth token request); `retryable` says whether another attempt may help. */
export class SourceAuthError extends SourceReadError {
  constructor(
    message: string,
    readonly retryable: boolean,
    classified?: string,
    detail?: string,
  ) {
    super(message, { classified, detail });
  }
}
