import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import { SourceReadError } from '../source/source-read-error.js';
import { fetchVia } from '../http/dispatcher.js';
import { classifyNetworkError, describeNetworkError } from '../http/network-error.js';
import { classifyStatus, parseRetryAfterMs, sleep } from '../http/retry-policy.js';
import { IiqAuthError, type IiqAuth } from './auth.js';
import type { z } from 'zod';
import { looksLikeHtml } from '../http/wire.js';
import { parseIiqAnswer } from './parse.js';
import { describeErrorBody, firstHeader, parseJson } from './http-body.js';

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
export type IiqAnswer<T = unknown> = { kind: 'ok'; body: T } | { kind: 'not-found' };

/**
 * Says whether the parsed JSON body of a 404 is IIQ itself saying "no such object" (spec 4.4):
 * REST any JSON object from IIQ, SCIM an Error with status "404". HTML or empty bodies never reach it.
 */
export type IiqNotFoundTest = (body: unknown) => boolean;

/** GETs JSON from IIQ with bounded concurrency, retries and one clear error per failure. */
export interface IiqHttp {
  /** The parsed JSON body, unchecked (probes, tests); any failure (404 included) throws SourceReadError. */
  getJson(pathAndQuery: string): Promise<unknown>;
  /** The body parsed by `schema`: a mismatch throws SourceReadError naming `label` (the path without ids) and the field. */
  getJson<S extends z.ZodType>(pathAndQuery: string, schema: S, label: string): Promise<z.output<S>>;
  /**
   * Like getJson, but a 404 whose JSON body passes `isIiqNotFound` is an answer: the object
   * does not exist. A 404 with an HTML, empty or other body (a servlet container, a proxy, a
   * web server refusing `%2F`) is a failed read.
   */
  getJsonOrNotFound<S extends z.ZodType>(
    pathAndQuery: string,
    isIiqNotFound: IiqNotFoundTest,
    schema: S,
    label: string,
  ): Promise<IiqAnswer<z.output<S>>>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

class RetryableIiqError extends SourceReadError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    classified: string,
  ) {
    super(message, { classified });
  }
}

/** Builds the IIQ GET client. */
export function createIiqHttp(options: IiqHttpOptions): IiqHttp {
  const limit = pLimit(options.concurrency);
  let requestCount = 0;
  // The request target is built as a string, never through a URL parser: WHATWG URL parsing
  // turns a `%2E%2E` segment (an identity named "..") into a step up the path (spec 4.4).
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');

  async function attempt(
    target: string,
    label: string,
    isIiqNotFound: IiqNotFoundTest | undefined,
    renewed: { done: boolean },
  ): Promise<IiqAnswer> {
    const where = `IIQ ${label}`;
    let authorization: string;
    try {
      authorization = await options.auth.authorization();
    } catch (error) {
      // A refused token request is final; a network hiccup on it is worth another attempt.
      if (error instanceof IiqAuthError && !error.retryable) throw new AbortError(error);
      const classified = error instanceof SourceReadError ? error.classified : `${where}: credentials unavailable`;
      throw new RetryableIiqError(error instanceof Error ? error.message : String(error), undefined, classified);
    }
    requestCount += 1;
    let response: RawAnswer;
    // A timer cleared on completion, not AbortSignal.timeout: its pending timers keep each
    // finished request (and its listeners) reachable for timeoutMs, so the heap grows at scale.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('IIQ request timed out', 'TimeoutError')), options.timeoutMs);
    try {
      response = await send(target, { authorization, accept: 'application/json, application/scim+json' }, controller.signal);
    } catch (error) {
      throw new RetryableIiqError(
        `${where} failed: ${describeNetworkError(error, { timeoutMs: options.timeoutMs, urlKey: 'iiq.baseUrl', caFileKey: 'iiq.caFile', service: 'IIQ' })}`,
        undefined,
        `${where}: ${classifyNetworkError(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    const { status, text } = response;
    if (status === 404 && isIiqNotFound) {
      const html = looksLikeHtml(response.header('content-type'), text);
      const body = html ? undefined : parseJson(text);
      if (body !== undefined && isIiqNotFound(body)) return { kind: 'not-found' };
      // Not IIQ's own "no such object": a servlet container, a proxy, or a web server refusing
      // `%2F`. Retrying would not change it, and it must never count as "identity gone".
      const what = html
        ? 'an HTML page'
        : text.trim() === ''
          ? 'an empty body'
          : body === undefined
            ? 'a body that is not JSON'
            : 'JSON that is not an IIQ "not found"';
      throw new AbortError(
        new SourceReadError(
          `${where} answered HTTP 404 with ${what}: that is a web server or proxy in front of IIQ (e.g. one refusing %2F in a path), not IIQ saying the identity is gone; nothing is resolved on it${describeErrorBody(text)}`,
          { classified: `${where}: HTTP 404 not from IIQ` },
        ),
      );
    }
    if (status === 401 || status === 403) {
      if (status === 401 && !renewed.done && (await options.auth.renewAfterUnauthorized(authorization))) {
        renewed.done = true;
        throw new RetryableIiqError(`${where} failed: HTTP 401 (credentials renewed)`, 0, `${where}: HTTP 401`);
      }
      throw new AbortError(
        new SourceReadError(`${where} refused the credentials: HTTP ${status}; ${options.auth.hint}`, {
          classified: `${where}: HTTP ${status} (credentials refused)`,
        }),
      );
    }
    const statusClass = classifyStatus(status);
    if (statusClass !== 'ok') {
      const message = `${where} failed: HTTP ${status}${describeErrorBody(text)}`;
      const classified = `${where}: HTTP ${status}`;
      if (statusClass === 'fail') throw new AbortError(new SourceReadError(message, { classified }));
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfterMs(response.header('retry-after'), Date.now()) : undefined;
      throw new RetryableIiqError(message, retryAfterMs, classified);
    }
    if (looksLikeHtml(response.header('content-type'), text)) {
      throw new AbortError(
        new SourceReadError(`${where} answered an HTML page instead of JSON (IIQ's login page?): ${options.auth.hint}`, {
          classified: `${where}: HTML page instead of JSON`,
        }),
      );
    }
    try {
      return { kind: 'ok', body: JSON.parse(text) as unknown };
    } catch {
      throw new RetryableIiqError(
        `${where} answered invalid or truncated JSON (${text.length} bytes)`,
        undefined,
        `${where}: invalid JSON`,
      );
    }
  }

  /** `target` is the path and query below the origin, exactly as it goes on the wire. */
  async function send(target: string, headers: Record<string, string>, signal: AbortSignal): Promise<RawAnswer> {
    if (options.transport === 'undici') {
      const answer = await options.dispatcher.request({ origin, path: target, method: 'GET', headers, signal });
      const text = await answer.body.text();
      return { status: answer.statusCode, header: (name) => firstHeader(answer.headers[name]), text };
    }
    const answer = await fetchVia(options.dispatcher, `${origin}${target}`, { headers, signal });
    const text = await answer.text();
    return { status: answer.status, header: (name) => answer.headers.get(name), text };
  }

  return {
    get requestCount() {
      return requestCount;
    },
    getJson,
    async getJsonOrNotFound(pathAndQuery, isIiqNotFound, schema, label) {
      const answer = await get(pathAndQuery, isIiqNotFound);
      return answer.kind === 'ok' ? { kind: 'ok', body: parseIiqAnswer(schema, answer.body, label) } : answer;
    },
  };

  function getJson(pathAndQuery: string): Promise<unknown>;
  function getJson<S extends z.ZodType>(pathAndQuery: string, schema: S, label: string): Promise<z.output<S>>;
  async function getJson(pathAndQuery: string, schema?: z.ZodType, label?: string): Promise<unknown> {
    const answer = await get(pathAndQuery, undefined);
    const body = answer.kind === 'ok' ? answer.body : undefined;
    return schema && label !== undefined ? parseIiqAnswer(schema, body, label) : body;
  }

  async function get(pathAndQuery: string, isIiqNotFound: IiqNotFoundTest | undefined): Promise<IiqAnswer> {
    const target = `${basePath}${pathAndQuery}`;
    const label = `GET ${pathAndQuery.split('?')[0]}`;
    const renewed = { done: false };
    if (options.transport !== 'undici' && new URL(`${origin}${target}`).pathname !== target.split('?')[0]) {
      // fetch parses the URL (WHATWG) and would send another path; only the undici transport sends it as built.
      throw new SourceReadError(
        `IIQ ${label}: the fetch transport would normalise this path (a "." or ".." segment); use the undici transport`,
        {
          classified: `IIQ ${label}: path not sendable`,
        },
      );
    }
    try {
      return await pRetry(() => limit(() => attempt(target, label, isIiqNotFound, renewed)), {
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
      if (error instanceof SourceReadError) {
        const attempts = error instanceof RetryableIiqError ? ` (after ${options.retries + 1} attempts)` : '';
        throw new SourceReadError(`${error.message}${attempts}`, { classified: error.classified });
      }
      throw new SourceReadError(`IIQ ${label} failed: ${String(error)}`, { classified: `IIQ ${label}: unexpected failure` });
    }
  }
}
