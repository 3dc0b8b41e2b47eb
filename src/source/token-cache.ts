import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { SourceAuthError, type SourceAuth } from './source-auth.js';
import { createRequestCore, USER_AGENT } from '../http/request-core.js';
import { classifyStatus } from '../http/retry-policy.js';
import type { RollingWindowPacer } from '../http/rolling-window-pacer.js';

/** A token as issued: its value and lifetime (undefined when the server gave none). */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number | undefined;
}

/** How a cache gets tokens and tells about them. */
export interface TokenCacheOptions {
  /** Asks the server for a new token; the cache never runs two at once. */
  requestToken(): Promise<IssuedToken>;
  /** What an operator should check when the server refuses the credentials. */
  hint: string;
  /** The clock (tests). */
  nowMs?: () => number;
  /** Told each new access token, e.g. to add it to a log redactor. */
  onToken?: (accessToken: string) => void;
}

/** Used when a token answer has no `expires_in`. */
const DEFAULT_TOKEN_SECONDS = 300;
/** Renew this long before expiry: 10 % of the lifetime, at most a minute. */
const MAX_MARGIN_MS = 60_000;

/**
 * An OAuth 2.0 bearer token shared by every request of a client (IIQ OAuth, ISC): cached for
 * its lifetime minus a margin, one token request in flight at most however many callers wait,
 * dropped after a 401 so the next caller renews it. Neither secret nor token reaches a message.
 */
export function createTokenCache(options: TokenCacheOptions): SourceAuth {
  const nowMs = options.nowMs ?? Date.now;
  let current: { header: string; renewAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function renew(): Promise<string> {
    const startedMs = nowMs();
    const token = await options.requestToken();
    options.onToken?.(token.accessToken);
    const lifetimeMs = (token.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS) * 1000;
    const header = `Bearer ${token.accessToken}`;
    // Counted from the request's start: the token began ageing before the answer arrived.
    current = { header, renewAtMs: startedMs + lifetimeMs - Math.min(MAX_MARGIN_MS, lifetimeMs / 10) };
    return header;
  }

  return {
    async authorization() {
      if (current && nowMs() < current.renewAtMs) return current.header;
      inFlight ??= renew().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    renewAfterUnauthorized(rejected) {
      // Many requests may be refused with the same token: only the first drops it.
      if (current && (rejected === undefined || rejected === current.header)) current = undefined;
      return Promise.resolve(true);
    },
    hint: options.hint,
  };
}

/** One client-credentials token request (RFC 6749 4.4) and how its failures are worded. */
export interface TokenRequest {
  /** Starts every message, e.g. "IIQ OAuth" or "ISC". */
  label: string;
  /** Starts the classified form that state and events may carry, e.g. "IIQ POST /oauth2/token". */
  classifiedLabel: string;
  url: string;
  /** The config keys of the base URL and CA file, named in network-error hints ("iiq.baseUrl", "iiq.caFile"). */
  urlKey: string;
  caFileKey: string;
  /** Authorization (if any) and content type; `accept` is added. */
  headers: Record<string, string>;
  /** The form body. */
  body: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  hint: string;
  /** The message when the endpoint does not exist (HTTP 404). */
  notFoundMessage: string;
  /** The rate limiter the request takes its start from. */
  pacer?: RollingWindowPacer;
  /**
   * Where the server's OAuth `error`/`error_description` goes: into the message (IIQ), or only
   * into the error's `detail` (ISC, whose messages are as short as their classified form).
   */
  serverTextIn?: 'message' | 'detail';
}

/** A token request failed; `detail` is what the server said, where it is kept out of the message. */
export class TokenRequestError extends SourceAuthError {}

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .optional(),
});

/**
 * POSTs a client-credentials token request (one attempt on the request core: the read that needs
 * the token retries it) and reads the bearer token out of the answer. Throws TokenRequestError:
 * retryable for network errors, 429 and 5xx; final for refusals; its classified form names the
 * endpoint and the status, never what the server said.
 */
export async function requestClientCredentialsToken(request: TokenRequest): Promise<IssuedToken> {
  const { label, classifiedLabel } = request;
  const fail = (message: string, retryable: boolean, classified: string, detail?: string): TokenRequestError =>
    new TokenRequestError(message, retryable, `${classifiedLabel}: ${classified}`, detail);
  const url = new URL(request.url);
  const core = createRequestCore({
    dispatcher: request.dispatcher,
    timeoutMs: request.timeoutMs,
    retries: 0,
    retryMinDelayMs: 0,
    // Token requests count toward the same limit as every other request.
    ...(request.pacer ? { pacer: request.pacer } : {}),
    network: { urlKey: request.urlKey, caFileKey: request.caFileKey },
  });
  const outcome = await core.call<IssuedToken, TokenRequestError>({
    method: 'POST',
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    headers: { ...request.headers, accept: 'application/json', 'user-agent': USER_AGENT },
    body: request.body,
    networkError: ({ description, classified }) => fail(`${label} token request failed: ${description}`, true, classified),
    classify: ({ status, text }) => {
      if (status === 400 || status === 401 || status === 403) {
        const said = describeOAuthError(text);
        const classified = `HTTP ${status} (credentials refused)`;
        if (request.serverTextIn === 'detail')
          return {
            kind: 'fail',
            reason: fail(`${label} token request refused: HTTP ${status}; ${request.hint}`, false, classified, `HTTP ${status}${said}`),
          };
        return { kind: 'fail', reason: fail(`${label} token request refused: HTTP ${status}${said}; ${request.hint}`, false, classified) };
      }
      if (status === 404) return { kind: 'fail', reason: fail(request.notFoundMessage, false, 'HTTP 404') };
      const statusClass = classifyStatus(status);
      if (statusClass !== 'ok') {
        return { kind: 'fail', reason: fail(`${label} token request failed: HTTP ${status}`, statusClass === 'retry', `HTTP ${status}`) };
      }
      try {
        return { kind: 'ok', value: readToken(status, text, label, fail) };
      } catch (error) {
        return { kind: 'fail', reason: error as TokenRequestError };
      }
    },
  });
  if (outcome.ok) return outcome.value;
  throw outcome.reason as TokenRequestError;
}

/** The token of a 2xx answer, or a TokenRequestError saying what is wrong with it. */
function readToken(
  status: number,
  text: string,
  label: string,
  fail: (message: string, retryable: boolean, classified: string) => TokenRequestError,
): IssuedToken {
  let answer: z.output<typeof tokenAnswer>;
  try {
    const parsed = tokenAnswer.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error('shape');
    answer = parsed.data;
  } catch {
    throw fail(
      `${label} token request answered no usable access_token (HTTP ${status}, ${text.length} bytes)`,
      false,
      'no usable access_token',
    );
  }
  if (answer.token_type !== undefined && answer.token_type.toLowerCase() !== 'bearer') {
    throw fail(
      `${label} token request answered token_type "${answer.token_type.slice(0, 20)}", not bearer`,
      false,
      'token_type not bearer',
    );
  }
  return { accessToken: answer.access_token, expiresInSeconds: answer.expires_in };
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
