import type { Dispatcher } from 'undici';
import type { IiqCredentials } from '../config/config.js';
import { createTokenCache, requestClientCredentialsToken } from '../source/token-cache.js';
import type { SourceAuth } from '../source/source-auth.js';

/** What the OAuth client needs. */
export interface OAuthOptions {
  /** The IIQ context root; the token endpoint is `<baseUrl>/oauth2/token`. */
  baseUrl: string;
  credentials: Extract<IiqCredentials, { kind: 'oauth' }>;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** The clock (tests). */
  nowMs?: () => number;
  /** Told each new access token, e.g. to add it to a log redactor. */
  onToken?: (accessToken: string) => void;
}

const HINT = 'check IIQ_CLIENT_ID/IIQ_CLIENT_SECRET and that the IIQ API Authentication client may use the API';

/**
 * OAuth 2.0 client credentials for IIQ: Basic client id:secret on
 * `<baseUrl>/oauth2/token`; caching, sharing and renewal are the shared token cache's.
 */
export function createOAuthAuth(options: OAuthOptions): SourceAuth {
  const tokenUrl = `${options.baseUrl}/oauth2/token`;
  const basic = `Basic ${Buffer.from(`${options.credentials.clientId}:${options.credentials.clientSecret.reveal()}`).toString('base64')}`;
  return createTokenCache({
    hint: HINT,
    nowMs: options.nowMs,
    onToken: options.onToken,
    requestToken: () =>
      requestClientCredentialsToken({
        label: 'IIQ OAuth',
        classifiedLabel: 'IIQ POST /oauth2/token',
        url: tokenUrl,
        urlKey: 'iiq.baseUrl',
        caFileKey: 'iiq.caFile',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        dispatcher: options.dispatcher,
        timeoutMs: options.timeoutMs,
        hint: HINT,
        notFoundMessage: `IIQ has no OAuth token endpoint at ${tokenUrl} (HTTP 404): OAuth needs IIQ 7.1+; check iiq.baseUrl and iiq.auth`,
      }),
  });
}
