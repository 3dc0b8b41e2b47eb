import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import { IiqReadError } from '../errors.js';
import { fetchVia } from '../http/dispatcher.js';
import { describeNetworkError as describeTransportError } from '../http/network-error.js';
import { classifyStatus, parseRetryAfterMs, sleep } from '../http/retry-policy.js';
import { IiqAuthError, type IiqAuth } from './auth.js';

/** How the IIQ client reaches IIQ. */
export interface IiqHttpOptions {
  baseUrl: string;
  auth: IiqAuth;
  dispatcher: Dispatcher;
  /** Never more requests in flight than this. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryMinDelayMs: number;
  /**
   * How GETs go out: 'fetch' (default; the global fetch, which msw intercepts in unit tests)
   * or 'undici' (the dispatcher's own request API: about half the CPU and heap per request,
   * which a 20,000-identity cycle needs; end-to-end tests cover it through the built CLI).
   */
  transport?: 'fetch' | 'undici';
}

/** One answer as read off the wire. */
interface RawAnswer {
  status: number;
  header(name: string): string | null;
  text: string;
}

/** A JSON answer, or IIQ saying the object does not exist. */
export type IiqAnswer = { kind: 'ok'; body: unknown } | { kind: 'not-found' };

/** GETs JSON from IIQ with bounded concurrency, retries and one clear error per failure. */
export interface IiqHttp {
  /** The parsed JSON body; any failure (404 included) throws IiqReadError. */
  getJson(pathAndQuery: string): Promise<unknown>;
  /** Like getJson, but a 404 is an answer: the object does not exist. */
  getJsonOrNotFound(pathAndQuery: string): Promise<IiqAnswer>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

class RetryableIiqError extends IiqReadError {
  constructor(message: string, readonly retryAfterMs: number | undefined) {
    super(message);
  }
}

/** Builds the IIQ GET client. */
export function createIiqHttp(options: IiqHttpOptions): IiqHttp {
  const limit = pLimit(options.concurrency);
  let requestCount = 0;

  async function attempt(url: string, label: string, notFoundIsAnswer: boolean, renewed: { done: boolean }): Promise<IiqAnswer> {
    let authorization: string;
    try {
      authorization = await options.auth.authorization();
    } catch (error) {
      // A refused token request is final; a network hiccup on it is worth another attempt.
      if (error instanceof IiqAuthError && !error.retryable) throw new AbortError(error);
      throw new RetryableIiqError(error instanceof Error ? error.message : String(error), undefined);
    }
    requestCount += 1;
    let response: RawAnswer;
    // A timer cleared on completion, not AbortSignal.timeout: its pending timers keep each
    // finished request (and its listeners) reachable for timeoutMs, so the heap grows at scale.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('IIQ request timed out', 'TimeoutError')), options.timeoutMs);
    try {
      response = await send(url, { authorization, accept: 'application/json, application/scim+json' }, controller.signal);
    } catch (error) {
      throw new RetryableIiqError(`IIQ ${label} failed: ${describeNetworkError(error, options.timeoutMs)}`, undefined);
    } finally {
      clearTimeout(timer);
    }
    const { status, text } = response;
    if (status === 404 && notFoundIsAnswer) return { kind: 'not-found' };
    if (status === 401 || status === 403) {
      if (status === 401 && !renewed.done && (await options.auth.renewAfterUnauthorized(authorization))) {
        renewed.done = true;
        throw new RetryableIiqError(`IIQ ${label} failed: HTTP 401 (credentials renewed)`, 0);
      }
      throw new AbortError(new IiqReadError(`IIQ ${label} refused the credentials: HTTP ${status}; ${options.auth.hint}`));
    }
    const statusClass = classifyStatus(status);
    if (statusClass !== 'ok') {
      const message = `IIQ ${label} failed: HTTP ${status}${describeErrorBody(text)}`;
      if (statusClass === 'fail') throw new AbortError(new IiqReadError(message));
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(response.header('retry-after'), Date.now()) : undefined;
      throw new RetryableIiqError(message, retryAfterMs);
    }
    if (looksLikeHtml(response.header('content-type'), text)) {
      throw new AbortError(
        new IiqReadError(`IIQ ${label} answered an HTML page instead of JSON (IIQ's login page?): ${options.auth.hint}`),
      );
    }
    try {
      return { kind: 'ok', body: JSON.parse(text) as unknown };
    } catch {
      throw new RetryableIiqError(`IIQ ${label} answered invalid or truncated JSON (${text.length} bytes)`, undefined);
    }
  }

  async function send(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<RawAnswer> {
    if (options.transport === 'undici') {
      const { origin, pathname, search } = new URL(url);
      const answer = await options.dispatcher.request({ origin, path: `${pathname}${search}`, method: 'GET', headers, signal });
      const text = await answer.body.text();
      return { status: answer.statusCode, header: (name) => firstHeader(answer.headers[name]), text };
    }
    const answer = await fetchVia(options.dispatcher, url, { headers, signal });
    const text = await answer.text();
    return { status: answer.status, header: (name) => answer.headers.get(name), text };
  }

  return {
    get requestCount() {
      return requestCount;
    },
    async getJson(pathAndQuery) {
      const answer = await get(pathAndQuery, false);
      return answer.kind === 'ok' ? answer.body : undefined;
    },
    getJsonOrNotFound: (pathAndQuery) => get(pathAndQuery, true),
  };

  async function get(pathAndQuery: string, notFoundIsAnswer: boolean): Promise<IiqAnswer> {
      const url = `${options.baseUrl}${pathAndQuery}`;
      const label = `GET ${pathAndQuery.split('?')[0]}`;
      const renewed = { done: false };
      try {
        return await pRetry(() => limit(() => attempt(url, label, notFoundIsAnswer, renewed)), {
          retries: options.retries,
          minTimeout: options.retryMinDelayMs,
          factor: 2,
          randomize: true,
          onFailedAttempt: async ({ error }) => {
            const wait = error instanceof RetryableIiqError ? error.retryAfterMs : undefined;
            if (wait) await sleep(wait);
          },
        });
      } catch (error) {
        if (error instanceof IiqReadError) {
          throw new IiqReadError(`${error.message}${error instanceof RetryableIiqError ? ` (after ${options.retries + 1} attempts)` : ''}`);
        }
        throw new IiqReadError(`IIQ ${label} failed: ${String(error)}`);
      }
  }
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function looksLikeHtml(contentType: string | null, text: string): boolean {
  return /text\/html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text);
}

/** A short, single-line excerpt of an error body: SCIM `detail`, IIQ `message`, or nothing. */
function describeErrorBody(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body.scimType, body.detail ?? body.message].filter((p): p is string => typeof p === 'string' && p !== '');
    return parts.length > 0 ? ` (${parts.join(': ').slice(0, 300)})` : '';
  } catch {
    return '';
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  // fetch wraps undici's error in `cause`; the dispatcher's request API throws it as is.
  const err = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  if (err.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer within ${timeoutMs / 1000} s (timeout)`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused (is IIQ up, and iiq.baseUrl right?)';
  if (code === 'ENOTFOUND') return 'host not found (check iiq.baseUrl)';
  // TLS mismatches and certificate errors: one human line, never OpenSSL's raw text.
  return describeTransportError(error, { timeoutMs, urlKey: 'iiq.baseUrl', caFileKey: 'iiq.caFile' });
}
