import type { Dispatcher } from 'undici';
import { SourceReadError } from '../source/source-read-error.js';
import { clientSettingsOf, createRequestCore, refusedWait, type HttpAnswer, type Verdict } from '../http/request-core.js';
import { classifyStatus } from '../http/retry-policy.js';
import { SourceAuthError, type SourceAuth } from '../source/source-auth.js';
import type { z } from 'zod';
import { looksLikeHtml } from '../http/wire.js';
import { parseIiqAnswer } from './parse.js';
import { describeErrorBody, parseJson } from './http-body.js';

/** How the IIQ client reaches IIQ. */
export interface IiqHttpOptions {
  baseUrl: string;
  auth: SourceAuth;
  dispatcher: Dispatcher;
  /** Never more requests in flight than this. */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryMinDelayMs: number;
  /** The wait between attempts (tests: none). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A JSON answer, or IIQ saying the object does not exist. */
export type IiqAnswer<T = unknown> = { kind: 'ok'; body: T } | { kind: 'not-found' };

/**
 * Says whether the parsed JSON body of a 404 is IIQ itself saying "no such object":
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
  /**
   * POSTs a JSON body (the watchdog's one write: launching the refresh workflow of a stalled
   * leaver); the parsed answer, unchecked. Any failure, a 404 included, throws SourceReadError.
   */
  postJson(path: string, body: unknown): Promise<unknown>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

/** Builds the IIQ client. */
export function createIiqHttp(options: IiqHttpOptions): IiqHttp {
  const core = createRequestCore({
    ...clientSettingsOf(options),
    auth: options.auth,
    network: { urlKey: 'iiq.baseUrl', caFileKey: 'iiq.caFile', service: 'IIQ' },
  });
  // The request target is built as a string, never through a URL parser: WHATWG URL parsing
  // turns a `%2E%2E` segment (an identity named "..") into a step up the path.
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const basePath = base.pathname.replace(/\/+$/, '');

  /** What IIQ's answer means; `isIiqNotFound` makes a 404 from IIQ itself an answer. */
  function classify(where: string, isIiqNotFound: IiqNotFoundTest | undefined, answer: HttpAnswer): Verdict<IiqAnswer, SourceReadError> {
    const { status, text } = answer;
    const fail = (message: string, classified: string): Extract<Verdict<IiqAnswer, SourceReadError>, { kind: 'fail' }> => ({
      kind: 'fail',
      reason: new SourceReadError(message, { classified }),
    });
    if (status === 404 && isIiqNotFound) {
      const html = looksLikeHtml(answer.header('content-type'), text);
      const body = html ? undefined : parseJson(text);
      if (body !== undefined && isIiqNotFound(body)) return { kind: 'ok', value: { kind: 'not-found' } };
      // Not IIQ's own "no such object": a servlet container, a proxy, or a web server refusing
      // `%2F`. Retrying would not change it, and it must never count as "identity gone".
      const what = html
        ? 'an HTML page'
        : text.trim() === ''
          ? 'an empty body'
          : body === undefined
            ? 'a body that is not JSON'
            : 'JSON that is not an IIQ "not found"';
      return fail(
        `${where} answered HTTP 404 with ${what}: that is a web server or proxy in front of IIQ (e.g. one refusing %2F in a path), not IIQ saying the identity is gone; nothing is resolved on it${describeErrorBody(text)}`,
        `${where}: HTTP 404 not from IIQ`,
      );
    }
    if (status === 401 || status === 403) {
      return {
        ...fail(`${where} refused the credentials: HTTP ${status}; ${options.auth.hint}`, `${where}: HTTP ${status} (credentials refused)`),
        renewAuth: status === 401,
      };
    }
    const statusClass = classifyStatus(status);
    if (statusClass !== 'ok') {
      const message = `${where} failed: HTTP ${status}${describeErrorBody(text)}`;
      const classified = `${where}: HTTP ${status}`;
      if (statusClass === 'fail') return fail(message, classified);
      const afterMs = status === 429 || status === 503 ? answer.retryAfterMs() : undefined;
      return { kind: 'retry', reason: new SourceReadError(message, { classified }), afterMs };
    }
    if (looksLikeHtml(answer.header('content-type'), text)) {
      return fail(
        `${where} answered an HTML page instead of JSON (IIQ's login page?): ${options.auth.hint}`,
        `${where}: HTML page instead of JSON`,
      );
    }
    const body = parseJson(text);
    if (body === undefined) {
      const reason = new SourceReadError(`${where} answered invalid or truncated JSON (${text.length} bytes)`, {
        classified: `${where}: invalid JSON`,
      });
      return { kind: 'retry', reason };
    }
    return { kind: 'ok', value: { kind: 'ok', body } };
  }

  return {
    get requestCount() {
      return core.requestCount;
    },
    getJson,
    postJson: async (path, body) => {
      const answer = await send('POST', path, undefined, JSON.stringify(body));
      return answer.kind === 'ok' ? answer.body : undefined;
    },
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

  function get(pathAndQuery: string, isIiqNotFound: IiqNotFoundTest | undefined): Promise<IiqAnswer> {
    return send('GET', pathAndQuery, isIiqNotFound, undefined);
  }

  async function send(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    isIiqNotFound: IiqNotFoundTest | undefined,
    body: string | undefined,
  ): Promise<IiqAnswer> {
    const target = `${basePath}${pathAndQuery}`;
    const query = pathAndQuery.indexOf('?');
    const label = `${method} ${query === -1 ? pathAndQuery : pathAndQuery.slice(0, query)}`;
    const where = `IIQ ${label}`;
    const outcome = await core.call<IiqAnswer, SourceReadError>({
      method,
      origin,
      path: target,
      headers: {
        accept: 'application/json, application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      body,
      authorize: true,
      classify: (answer) => classify(where, isIiqNotFound, answer),
      networkError: ({ description, classified }) =>
        new SourceReadError(`${where} failed: ${description}`, { classified: `${where}: ${classified}` }),
      authError: (error) => {
        // A refused token request is final; a network hiccup on it is worth another attempt.
        if (error instanceof SourceAuthError && !error.retryable) return { kind: 'fail', reason: error };
        const classified = error instanceof SourceReadError ? error.classified : `${where}: credentials unavailable`;
        return { kind: 'retry', reason: new SourceReadError(error instanceof Error ? error.message : String(error), { classified }) };
      },
    });
    if (outcome.ok) return outcome.value;
    const error = outcome.reason ?? new SourceReadError(`${where} failed: not sent`, { classified: `${where}: not sent` });
    if (outcome.refusedWaitMs !== undefined) {
      throw new SourceReadError(`${error.message}; ${refusedWait(outcome.refusedWaitMs)}`, {
        classified: `${error.classified} (Retry-After too long)`,
      });
    }
    const attempts = outcome.exhausted ? ` (after ${outcome.attempts} attempts)` : '';
    throw new SourceReadError(`${error.message}${attempts}`, { classified: error.classified });
  }
}
