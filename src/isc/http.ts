import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { fetchVia } from '../http/dispatcher.js';
import { classifyStatus, parseRetryAfterMs } from '../http/retry-policy.js';
import type { RollingWindowPacer } from '../http/rolling-window-pacer.js';
import { TokenRequestError } from '../http/token-cache.js';
import { looksLikeHtml } from '../http/wire.js';
import { describeNetworkError } from '../http/network-error.js';
import { IiqAuthError, type IiqAuth } from '../iiq/auth.js';
import { SourceReadError } from '../source/source-read-error.js';
import { iscReadError, describeIscError, parseIscErrorBody } from './errors.js';
import type { z } from 'zod';
import { parseIscAnswer } from './schema.js';

/** How the ISC client reaches ISC. */
export interface IscHttpOptions {
  baseUrl: string;
  auth: IiqAuth;
  dispatcher: Dispatcher;
  /** Every request (token requests included) takes a start from it: ISC's rolling 10 s limit. */
  pacer: RollingWindowPacer;
  /** Never more requests in flight than this. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryMinDelayMs: number;
  /** Where ISC's own error text (with its trackingId) is logged, redacted. */
  logger?: Logger | undefined;
}

/** JSON over HTTPS to ISC with pacing, bounded concurrency, retries and classified errors. */
export interface IscHttp {
  /** GET; the parsed JSON body, unchecked (probes, tests). Any failure throws SourceReadError. */
  getJson(pathAndQuery: string): Promise<unknown>;
  /** GET; the body parsed by `schema`: a mismatch throws SourceReadError naming `label` and the field. */
  getJson<S extends z.ZodType>(pathAndQuery: string, schema: S, label: string): Promise<z.output<S>>;
  /** POST a JSON body (search is a read: retried like a GET); the answer parsed by `schema`. */
  postJson<S extends z.ZodType>(pathAndQuery: string, body: unknown, schema: S, label: string): Promise<z.output<S>>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

/** Used when a 429 names no Retry-After: ISC's window is 10 s. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 10_000;
/** The longest Retry-After honoured: a longer one is a failed attempt that still waits this long. */
const MAX_RETRY_AFTER_MS = 120_000;

class RetryableIscError extends SourceReadError {
  constructor(message: string, detail?: string) {
    super(message, { classified: message, detail });
  }
}

/** What to do about a 403 on each resource: the rights spec 9 and docs/connect-isc.md name. */
function rightsHint(path: string): string {
  if (path.startsWith('/v3/accounts'))
    return 'the PAT or API client needs idn:accounts:read and the user level ORG_ADMIN, SOURCE_ADMIN, SOURCE_SUBADMIN or HELPDESK';
  if (path.startsWith('/v3/search')) return 'the PAT or API client needs sp:search:read and a user level that may use search';
  return 'check the rights of the PAT or API client';
}

/** Builds the ISC client. */
export function createIscHttp(options: IscHttpOptions): IscHttp {
  const limit = pLimit(options.concurrency);
  let requestCount = 0;

  async function attempt(method: 'GET' | 'POST', path: string, body: string | undefined, renewed: { done: boolean }): Promise<unknown> {
    const label = `ISC ${method} ${path.split('?')[0]}`;
    let authorization: string;
    try {
      authorization = await options.auth.authorization();
    } catch (error) {
      // A refused token request is final; a network hiccup on it is worth another attempt.
      const detail = error instanceof TokenRequestError ? error.detail : undefined;
      if (error instanceof IiqAuthError && !error.retryable) throw new AbortError(iscReadError(error.message, detail));
      throw new RetryableIscError(error instanceof Error ? error.message : String(error));
    }
    // The start is taken right before the request leaves, after any token request, so the
    // pacer's stamp is the request's real start.
    await options.pacer.take();
    requestCount += 1;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('ISC request timed out', 'TimeoutError')), options.timeoutMs);
    let status: number;
    let text: string;
    let headers: Headers;
    try {
      const headerValues: Record<string, string> = { authorization, accept: 'application/json' };
      if (body !== undefined) headerValues['content-type'] = 'application/json';
      const response = await fetchVia(options.dispatcher, `${options.baseUrl}${path}`, {
        method,
        headers: headerValues,
        body,
        signal: controller.signal,
        // A redirect would carry the bearer token elsewhere: never followed.
        redirect: 'manual',
      });
      text = await response.text();
      status = response.status;
      headers = response.headers;
    } catch (error) {
      throw new RetryableIscError(
        `${label} failed: ${describeNetworkError(error, { timeoutMs: options.timeoutMs, urlKey: 'isc.baseUrl', caFileKey: 'isc.caFile', service: 'ISC' })}`,
      );
    } finally {
      clearTimeout(timer);
    }

    if (status >= 200 && status < 300) {
      if (looksLikeHtml(headers.get('content-type'), text)) {
        throw new AbortError(iscReadError(`${label} answered an HTML page instead of JSON (a proxy or login page?): check isc.baseUrl`));
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RetryableIscError(`${label} answered invalid or truncated JSON (${text.length} bytes)`);
      }
    }

    const said = parseIscErrorBody(text);
    const detail = looksLikeHtml(headers.get('content-type'), text)
      ? `HTTP ${status}: an HTML page (${text.length} bytes)`
      : describeIscError(status, said);
    options.logger?.warn(
      { request: label, status, detailCode: said.detailCode, trackingId: said.trackingId, text: said.text },
      `${label}: ${detail}`,
    );
    if (status >= 300 && status < 400) {
      const location = headers.get('location');
      const where = location ? ` to ${safeOrigin(location, options.baseUrl)}` : '';
      throw new AbortError(iscReadError(`${label} was redirected (HTTP ${status}${where}): check isc.baseUrl and the proxy`, detail));
    }
    if (status === 401 && !renewed.done && (await options.auth.renewAfterUnauthorized(authorization))) {
      renewed.done = true;
      throw new RetryableIscError(`${label} failed: HTTP 401 (token renewed)`, detail);
    }
    if (status === 401) throw new AbortError(iscReadError(`${label} refused the credentials: HTTP 401; ${options.auth.hint}`, detail));
    if (status === 403) throw new AbortError(iscReadError(`${label} refused access: HTTP 403; ${rightsHint(path)}`, detail));
    if (status === 429 || status === 503) {
      const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), Date.now());
      // Everyone holds back, not only this request: the limit is per client.
      options.pacer.pauseFor(Math.min(retryAfterMs ?? (status === 429 ? DEFAULT_RATE_LIMIT_PAUSE_MS : 0), MAX_RETRY_AFTER_MS));
      const why =
        status === 429
          ? `rate limited${retryAfterMs === undefined ? '' : `, Retry-After ${Math.round(retryAfterMs / 1000)} s`}`
          : 'unavailable';
      throw new RetryableIscError(`${label} failed: HTTP ${status} (${why})`, detail);
    }
    const message = `${label} failed: HTTP ${status}`;
    if (classifyStatus(status) === 'retry') throw new RetryableIscError(message, detail);
    throw new AbortError(iscReadError(message, detail));
  }

  async function request(method: 'GET' | 'POST', path: string, body: unknown): Promise<unknown> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const renewed = { done: false };
    try {
      return await pRetry(() => limit(() => attempt(method, path, text, renewed)), {
        retries: options.retries,
        minTimeout: options.retryMinDelayMs,
        factor: 2,
        randomize: true,
      });
    } catch (error) {
      if (error instanceof SourceReadError) {
        const message = `${error.message}${error instanceof RetryableIscError ? ` (after ${options.retries + 1} attempts)` : ''}`;
        if (error.detail) options.logger?.error({ error: message, detail: error.detail }, `${message}; ISC said ${error.detail}`);
        throw iscReadError(message, error.detail);
      }
      if (error instanceof SourceReadError) throw iscReadError(error.message);
      throw iscReadError(`ISC ${method} ${path.split('?')[0]} failed: ${String(error)}`);
    }
  }

  return {
    get requestCount() {
      return requestCount;
    },
    getJson,
    postJson: async (pathAndQuery, body, schema, label) => parseIscAnswer(schema, await request('POST', pathAndQuery, body), label),
  };

  function getJson(pathAndQuery: string): Promise<unknown>;
  function getJson<S extends z.ZodType>(pathAndQuery: string, schema: S, label: string): Promise<z.output<S>>;
  async function getJson(pathAndQuery: string, schema?: z.ZodType, label?: string): Promise<unknown> {
    const body = await request('GET', pathAndQuery, undefined);
    return schema && label !== undefined ? parseIscAnswer(schema, body, label) : body;
  }
}

/** The origin of a Location header (never its path or query, which may carry anything). */
function safeOrigin(location: string, base: string): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return 'an unreadable Location';
  }
}
