import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { IiqCredentials } from '../config/config.js';
import { fetchVia } from '../http/dispatcher.js';
import { describeNetworkError } from '../http/network-error.js';
import { classifyStatus } from '../http/retry-policy.js';
import { IiqAuthError, type IiqAuth } from './auth.js';

/** What the OAuth client needs (spec 4.2.1). */
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

/** Used when IIQ's token answer has no `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 300;
/** Renew this long before expiry: 10 % of the lifetime, at most a minute. */
const MAX_MARGIN_MS = 60_000;

const HINT = 'check IIQ_CLIENT_ID/IIQ_CLIENT_SECRET and that the IIQ API Authentication client may use the API';

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]).optional(),
});

/**
 * OAuth 2.0 client credentials for IIQ (spec 4.2.1): one token, cached for its lifetime minus
 * a margin, shared by concurrent callers (one token request in flight at most), renewed before
 * expiry and after a 401. Neither the secret nor a token is ever put into an error message.
 */
export function createOAuthAuth(options: OAuthOptions): IiqAuth {
  const nowMs = options.nowMs ?? Date.now;
  const tokenUrl = `${options.baseUrl}/oauth2/token`;
  const basic = `Basic ${Buffer.from(`${options.credentials.clientId}:${options.credentials.clientSecret.reveal()}`).toString('base64')}`;
  let current: { header: string; renewAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  function fetchTokenOnce(): Promise<string> {
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function fetchToken(): Promise<string> {
    const startedMs = nowMs();
    let response: Response;
    let text: string;
    try {
      response = await fetchVia(options.dispatcher, tokenUrl, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const why = describeNetworkError(error, { timeoutMs: options.timeoutMs, urlKey: 'iiq.baseUrl', caFileKey: 'iiq.caFile' });
      throw new IiqAuthError(`IIQ OAuth token request failed: ${why}`, true);
    }
    const status = response.status;
    if (status === 400 || status === 401 || status === 403) {
      throw new IiqAuthError(`IIQ OAuth token request refused: HTTP ${status}${describeOAuthError(text)}; ${HINT}`, false);
    }
    if (status === 404) {
      throw new IiqAuthError(`IIQ has no OAuth token endpoint at ${tokenUrl} (HTTP 404): OAuth needs IIQ 7.1+; check iiq.baseUrl and iiq.auth`, false);
    }
    if (classifyStatus(status) !== 'ok') {
      throw new IiqAuthError(`IIQ OAuth token request failed: HTTP ${status}`, classifyStatus(status) === 'retry');
    }
    let answer: z.output<typeof tokenAnswer>;
    try {
      const parsed = tokenAnswer.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error('shape');
      answer = parsed.data;
    } catch {
      throw new IiqAuthError(`IIQ OAuth token request answered no usable access_token (HTTP ${status}, ${text.length} bytes)`, false);
    }
    if (answer.token_type !== undefined && answer.token_type.toLowerCase() !== 'bearer') {
      throw new IiqAuthError(`IIQ OAuth token request answered token_type "${answer.token_type.slice(0, 20)}", not bearer`, false);
    }
    options.onToken?.(answer.access_token);
    const lifetimeMs = (answer.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000;
    const header = `Bearer ${answer.access_token}`;
    // Counted from the request's start: the token began ageing before the answer arrived.
    current = { header, renewAtMs: startedMs + lifetimeMs - Math.min(MAX_MARGIN_MS, lifetimeMs / 10) };
    return header;
  }

  return {
    async authorization() {
      if (current && nowMs() < current.renewAtMs) return current.header;
      return fetchTokenOnce();
    },
    async renewAfterUnauthorized(rejected) {
      // Many requests may be refused with the same token: only the first drops it.
      if (current && (rejected === undefined || rejected === current.header)) current = undefined;
      return true;
    },
    hint: HINT,
  };
}

/** OAuth `error` / `error_description` (RFC 6749 5.2), short and single-line. */
function describeOAuthError(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body.error, body.error_description].filter((p): p is string => typeof p === 'string' && p !== '');
    return parts.length > 0 ? ` (${parts.join(': ').replace(/\s+/g, ' ').slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
