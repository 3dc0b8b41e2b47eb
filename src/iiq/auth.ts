import type { IiqCredentials } from '../config/config.js';
import { SourceReadError } from '../source/source-read-error.js';

/** Supplies the Authorization header for IIQ requests. */
export interface IiqAuth {
  /** The header value for the next request. */
  authorization(): Promise<string>;
  /**
   * Called once per request after a 401, with the header IIQ refused; returns true when a
   * retry with fresh credentials makes sense.
   */
  renewAfterUnauthorized(rejected?: string): Promise<boolean>;
  /** What an operator should check when IIQ refuses the credentials. */
  readonly hint: string;
}

/** HTTP Basic from IIQ_USERNAME / IIQ_PASSWORD. */
export function createBasicAuth(credentials: Extract<IiqCredentials, { kind: 'basic' }>): IiqAuth {
  const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.password.reveal()}`).toString('base64')}`;
  return {
    authorization: () => Promise.resolve(header),
    renewAfterUnauthorized: () => Promise.resolve(false),
    hint: 'check IIQ_USERNAME/IIQ_PASSWORD and that the account may use the IIQ API',
  };
}

/** Getting credentials failed (e.g. the OAuth token request); `retryable` says whether another attempt may help. */
export class IiqAuthError extends SourceReadError {
  constructor(
    message: string,
    readonly retryable: boolean,
    classified?: string,
    detail?: string,
  ) {
    super(message, { classified, detail });
  }
}
