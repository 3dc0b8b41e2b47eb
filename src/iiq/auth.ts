import type { IiqCredentials } from '../config/config.js';

/** Supplies the Authorization header for IIQ requests. */
export interface IiqAuth {
  /** The header value for the next request. */
  authorization(): Promise<string>;
  /** Called once after a 401; returns true when a retry with fresh credentials makes sense. */
  renewAfterUnauthorized(): Promise<boolean>;
  /** What an operator should check when IIQ refuses the credentials. */
  readonly hint: string;
}

/** HTTP Basic from IIQ_USERNAME / IIQ_PASSWORD. */
export function createBasicAuth(credentials: Extract<IiqCredentials, { kind: 'basic' }>): IiqAuth {
  const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.password.reveal()}`).toString('base64')}`;
  return {
    authorization: async () => header,
    renewAfterUnauthorized: async () => false,
    hint: 'check IIQ_USERNAME/IIQ_PASSWORD and that the account may use the IIQ API',
  };
}
