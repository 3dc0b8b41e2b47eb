import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { clientSettingsOf, createRequestCore, refusedWait, USER_AGENT, type HttpAnswer, type Verdict } from '../http/request-core.js';
import { classifyStatus } from '../http/retry-policy.js';
import type { RollingWindowPacer } from '../http/rolling-window-pacer.js';
import { TokenRequestError } from '../source/token-cache.js';
import { looksLikeHtml } from '../http/wire.js';
import { SourceAuthError, type SourceAuth } from '../source/source-auth.js';
import { iscReadError, describeIscAnswer, parseIscErrorBody } from './errors.js';
import type { z } from 'zod';
import { parseIscAnswer } from './schema.js';
import { operationOfPath } from './api-paths.js';
import { iscRightsHint } from './rights.js';

/** How the ISC client reaches ISC. */
export interface IscHttpOptions {
  baseUrl: string;
  auth: SourceAuth;
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
  /** The wait between attempts (tests: none). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** JSON over HTTPS to ISC with pacing, bounded concurrency, retries and classified errors. */
export interface IscHttp {
  /** GET; the parsed JSON body, unchecked (probes, tests). Any failure throws SourceReadError. */
  getJson(pathAndQuery: string): Promise<unknown>;
  /** GET; the body parsed by `schema`: a mismatch throws SourceReadError naming `label` and the field. `headers`: extra ones (api-paths.ts). */
  getJson<S extends z.ZodType>(
    pathAndQuery: string,
    schema: S,
    label: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<z.output<S>>;
  /** POST a JSON body (search is a read: retried like a GET); the answer parsed by `schema`. */
  postJson<S extends z.ZodType>(
    pathAndQuery: string,
    body: unknown,
    schema: S,
    label: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<z.output<S>>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

/** Used when a 429 names no Retry-After: ISC's window is 10 s. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 10_000;

/** What to do about a 403 on each resource: the rights docs/connect-isc.md names. */
function rightsHint(path: string): string {
  return iscRightsHint(operationOfPath(path.split('?')[0] ?? path)?.operation);
}

/** An ISC failure: the short message (also its classified form) and what ISC said. */
interface IscFailure {
  message: string;
  detail?: string | undefined;
}

/** Builds the ISC client. */
export function createIscHttp(options: IscHttpOptions): IscHttp {
  const core = createRequestCore({
    ...clientSettingsOf(options),
    pacer: options.pacer,
    auth: options.auth,
    network: { urlKey: 'isc.baseUrl', caFileKey: 'isc.caFile', service: 'ISC' },
  });
  const { origin } = new URL(options.baseUrl);
  const basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');

  function classify(label: string, path: string, answer: HttpAnswer): Verdict<unknown, IscFailure> {
    const { status, text } = answer;
    const html = looksLikeHtml(answer.header('content-type'), text);
    if (status >= 200 && status < 300) {
      if (html)
        return {
          kind: 'fail',
          reason: { message: `${label} answered an HTML page instead of JSON (a proxy or login page?): check isc.baseUrl` },
        };
      try {
        return { kind: 'ok', value: JSON.parse(text) as unknown };
      } catch {
        return { kind: 'retry', reason: { message: `${label} answered invalid or truncated JSON (${text.length} bytes)` } };
      }
    }
    const said = parseIscErrorBody(text);
    const detail = describeIscAnswer(status, text, answer.header('content-type'));
    options.logger?.warn(
      { request: label, status, detailCode: said.detailCode, trackingId: said.trackingId, text: said.text },
      `${label}: ${detail}`,
    );
    if (status >= 300 && status < 400) {
      const location = answer.header('location');
      const where = location ? ` to ${safeOrigin(location, options.baseUrl)}` : '';
      return {
        kind: 'fail',
        reason: { message: `${label} was redirected (HTTP ${status}${where}): check isc.baseUrl and the proxy`, detail },
      };
    }
    if (status === 401)
      return {
        kind: 'fail',
        reason: { message: `${label} refused the credentials: HTTP 401; ${options.auth.hint}`, detail },
        renewAuth: true,
      };
    if (status === 403) return { kind: 'fail', reason: { message: `${label} refused access: HTTP 403; ${rightsHint(path)}`, detail } };
    if (status === 429 || status === 503) {
      const retryAfterMs = answer.retryAfterMs();
      const why =
        status === 429
          ? `rate limited${retryAfterMs === undefined ? '' : `, Retry-After ${Math.round(retryAfterMs / 1000)} s`}`
          : 'unavailable';
      const afterMs = retryAfterMs ?? (status === 429 ? DEFAULT_RATE_LIMIT_PAUSE_MS : undefined);
      return { kind: 'retry', reason: { message: `${label} failed: HTTP ${status} (${why})`, detail }, afterMs };
    }
    const message = `${label} failed: HTTP ${status}`;
    return { kind: classifyStatus(status) === 'retry' ? 'retry' : 'fail', reason: { message, detail } };
  }

  async function request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<unknown> {
    const label = `ISC ${method} ${path.split('?')[0]}`;
    // Extra headers (an experimental-operation flag) never replace the ones the client owns.
    const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json', 'user-agent': USER_AGENT };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const outcome = await core.call<unknown, IscFailure>({
      method,
      origin,
      path: `${basePath}${path}`,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      authorize: true,
      classify: (answer) => classify(label, path, answer),
      networkError: ({ description }) => ({ message: `${label} failed: ${description}` }),
      authError: (error) => {
        // A refused token request is final; a network hiccup on it is worth another attempt.
        const message = error instanceof Error ? error.message : String(error);
        const detail = error instanceof TokenRequestError ? error.detail : undefined;
        if (error instanceof SourceAuthError && !error.retryable) return { kind: 'fail', reason: { message, detail } };
        return { kind: 'retry', reason: { message } };
      },
    });
    if (outcome.ok) return outcome.value;
    const failure = outcome.reason ?? { message: `${label} failed: not sent` };
    const suffix =
      outcome.refusedWaitMs !== undefined
        ? `; ${refusedWait(outcome.refusedWaitMs)}`
        : outcome.exhausted
          ? ` (after ${outcome.attempts} attempts)`
          : '';
    const message = `${failure.message}${suffix}`;
    if (failure.detail) options.logger?.error({ error: message, detail: failure.detail }, `${message}; ISC said ${failure.detail}`);
    throw iscReadError(message, failure.detail);
  }

  return {
    get requestCount() {
      return core.requestCount;
    },
    getJson,
    postJson: async (pathAndQuery, body, schema, label, headers) =>
      parseIscAnswer(schema, await request('POST', pathAndQuery, body, headers), label),
  };

  function getJson(pathAndQuery: string): Promise<unknown>;
  function getJson<S extends z.ZodType>(
    pathAndQuery: string,
    schema: S,
    label: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<z.output<S>>;
  async function getJson(
    pathAndQuery: string,
    schema?: z.ZodType,
    label?: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<unknown> {
    const body = await request('GET', pathAndQuery, undefined, headers);
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
