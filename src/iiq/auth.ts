import type { IiqCredentials } from '../config/config.js';
import type { SourceAuth } from '../source/source-auth.js';

/** HTTP Basic from IIQ_USERNAME / IIQ_PASSWORD. */
export function createBasicAuth(credentials: Extract<IiqCredentials, { kind: 'basic' }>): SourceAuth {
  const header = `Basic ${Buffer.from(`${credentials.username}:${credentials.password.reveal()}`).toString('base64')}`;
  return {
    authorization: () => Promise.resolve(header),
    renewAfterUnauthorized: () => Promise.resolve(false),
    hint: 'check IIQ_USERNAME/IIQ_PASSWORD and that the account may use the IIQ API',
  };
}
