import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { proxyOriginFor } from './dispatcher.js';
import { dispatchText } from './dispatch-text.js';
import { classifyNetworkError, describeNetworkError, failedBeforeSending, type NetworkErrorContext } from './network-error.js';
import { parseRetryAfterMs, sleep as realSleep } from './retry-policy.js';

export { parseRetryAfterMs } from './retry-policy.js';
import type { RollingWindowPacer } from './rolling-window-pacer.js';

/**
 * The longest Retry-After any integration waits for. A longer one fails that request at once: a
 * read stops with its error, an event is left for the next cycle, rather than one run sleeping
 * (with the lock held) for as long as the server asks.
 */
export const MAX_RETRY_AFTER_MS = 120_000;

/** The words for a Retry-After not waited for, the same in every integration. */
export function refusedWait(afterMs: number): string {
  return `Retry-After ${Math.round(afterMs / 1000)} s is longer than the ${MAX_RETRY_AFTER_MS / 1000} s the watchdog waits: not waited for`;
}

/**
 * The User-Agent the global fetch used to add ("node"), kept on the requests that went through it
 * (ISC, PagerDuty, token requests, the probe, the heartbeat): a gateway may refuse a request
 * without one. dispatch adds no header of its own.
 */
export const USER_AGENT = 'node';

/** One answer as read off the wire. */
export interface HttpAnswer {
  status: number;
  header(name: string): string | null;
  text: string;
  /** Retry-After in milliseconds (seconds or an HTTP date, on the core's clock); undefined when absent or unusable. */
  retryAfterMs(): number | undefined;
}

/**
 * What an integration makes of an answer: done (with its value), worth another attempt (after
 * at least `afterMs`, e.g. Retry-After), or final. `reason` is the integration's own error.
 * `renewAuth` on a failure: try once more with renewed credentials if the supplier can renew.
 */
export type Verdict<T, E> =
  { kind: 'ok'; value: T } | { kind: 'retry'; reason: E; afterMs?: number | undefined } | { kind: 'fail'; reason: E; renewAuth?: boolean };

/** Supplies the Authorization header; renews it when a 401 says it went stale. */
export interface AuthSupplier {
  authorization(): Promise<string>;
  /** Called with the refused header; true when another attempt with fresh credentials makes sense. */
  renewAfterUnauthorized(rejected?: string): Promise<boolean>;
}

/** One request, as an integration describes it. */
export interface HttpCall<T, E> {
  method: 'GET' | 'POST';
  /** Scheme, host and port, e.g. `https://iiq.example:8443`. */
  origin: string;
  /** Path and query exactly as they go on the wire (never re-parsed). */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Sets `authorization` from the core's supplier on every attempt. */
  authorize?: boolean;
  classify(answer: HttpAnswer): Verdict<T, E>;
  /** The error for a request that got no answer (`description` is one human line, `classified` a few words). */
  networkError(failure: NetworkFailure): E;
  /** What a failure of the header supplier (a token request) means; default: retry with it as reason. */
  authError?(error: unknown): Verdict<T, E>;
  /** Told about each failed attempt that will be retried (logging, slowing a pacer down). */
  onFailedAttempt?: (failure: FailedAttempt<E>) => void;
  /** Stops the attempts: none starts once it aborted, and waits end at once. An attempt in flight finishes. */
  signal?: AbortSignal | undefined;
}

/** What goes on the wire. */
type WireRequest = Pick<HttpCall<unknown, unknown>, 'method' | 'origin' | 'path' | 'body'>;

/** A request that got no HTTP answer. */
export interface NetworkFailure {
  description: string;
  classified: string;
  /** The request may have reached the server (a timeout or a reset after connecting): it may have acted on it. */
  unconfirmed: boolean;
}

/** How a call ended, after every attempt. */
export type CallOutcome<T, E> =
  | { ok: true; value: T; attempts: number }
  | {
      ok: false;
      /** Undefined only when stopped before the first attempt. */
      reason: E | undefined;
      attempts: number;
      /** The last failure was worth retrying, but the attempts were used up. */
      exhausted: boolean;
      /** The server asked for a wait longer than MAX_RETRY_AFTER_MS: not waited for. */
      refusedWaitMs?: number;
      /** Some attempt may have reached the server without an answer coming back. */
      unconfirmed: boolean;
      /** The signal aborted: no further attempt was started. */
      stopped: boolean;
    };

/** Told about each failed attempt that will be retried (logging, slowing a pacer down). */
export interface FailedAttempt<E> {
  attempt: number;
  retriesLeft: number;
  reason: E;
  status: number | undefined;
  afterMs: number | undefined;
}

/** How one client reaches one upstream. */
export interface RequestCoreOptions {
  /** Every attempt goes through its `dispatch` (tests: `mswDispatcher()`, a MockAgent or a loopback Agent). */
  dispatcher: Dispatcher;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts after the first. */
  retries: number;
  /** The first backoff; each later one doubles, with jitter. */
  retryMinDelayMs: number;
  /** Never more attempts in flight than this. */
  concurrency?: number;
  /** Every attempt takes a start from it; a Retry-After holds it back for every caller. */
  pacer?: RollingWindowPacer;
  auth?: AuthSupplier;
  /** How network errors are worded for this upstream. */
  network: Omit<NetworkErrorContext, 'timeoutMs' | 'proxyOrigin'>;
  /** Tests inject these: the wall clock (Retry-After dates), the wait and the jitter. */
  nowMs?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** How a client behaves, the same keys for every integration (its own options carry them). */
export type ClientSettings = Pick<RequestCoreOptions, 'dispatcher' | 'timeoutMs' | 'retries' | 'retryMinDelayMs' | 'concurrency' | 'sleep'>;

/** Just the client settings out of an integration's options (which carry more). */
export function clientSettingsOf(options: ClientSettings): ClientSettings {
  const { dispatcher, timeoutMs, retries, retryMinDelayMs, concurrency, sleep } = options;
  return {
    dispatcher,
    timeoutMs,
    retries,
    retryMinDelayMs,
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(sleep ? { sleep } : {}),
  };
}

/** The one request loop every HTTP integration runs on. */
export interface RequestCore {
  call<T, E>(request: HttpCall<T, E>): Promise<CallOutcome<T, E>>;
  /** Requests sent so far (attempts, not calls). */
  readonly requestCount: number;
}

/**
 * Builds the core: auth header per attempt (renewed once after a 401 where the integration asks),
 * pacing, bounded concurrency, per-attempt timeout, redirects never followed, retries with
 * exponential backoff and jitter, Retry-After honoured up to MAX_RETRY_AFTER_MS.
 */
export function createRequestCore(options: RequestCoreOptions): RequestCore {
  const limit = pLimit(options.concurrency ?? Number.POSITIVE_INFINITY);
  const nowMs = options.nowMs ?? Date.now;
  const wait = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  let requestCount = 0;

  async function attempt<T, E>(
    request: HttpCall<T, E>,
  ): Promise<{ verdict: Verdict<T, E>; status?: number; header?: string; unconfirmed?: boolean }> {
    let header: string | undefined;
    if (request.authorize && options.auth) {
      try {
        header = await options.auth.authorization();
      } catch (error) {
        return { verdict: request.authError?.(error) ?? { kind: 'retry', reason: error as E } };
      }
    }
    // Taken after any token request, so the pacer's stamp is this request's real start. No
    // pacer (IIQ): no await, so no extra turn of the microtask queue per request.
    if (options.pacer) await options.pacer.take(request.signal);
    requestCount += 1;
    const headers = header === undefined ? request.headers : { ...request.headers, authorization: header };
    let answer: HttpAnswer;
    try {
      answer = await send(request, headers);
    } catch (error) {
      const context = { ...options.network, timeoutMs: options.timeoutMs, proxyOrigin: proxyOriginFor(request.origin) };
      const unconfirmed = request.body !== undefined && !failedBeforeSending(error);
      const reason = request.networkError({
        description: describeNetworkError(error, context),
        classified: classifyNetworkError(error),
        unconfirmed,
      });
      return { verdict: { kind: 'retry', reason }, unconfirmed };
    }
    return { verdict: request.classify(answer), status: answer.status, ...(header === undefined ? {} : { header }) };
  }

  /**
   * One attempt on the wire, bounded by timeoutMs: the answer with its body read (always
   * consumed, so the connection goes back to the pool).
   */
  async function send(request: WireRequest, headers: Record<string, string>): Promise<HttpAnswer> {
    const { origin, path, method } = request;
    // dispatch follows no redirect: a 3xx comes back as the answer, so credentials (or the
    // routing key) never travel to another origin.
    const answer = await dispatchText(options.dispatcher, { origin, path, method, headers, body: request.body ?? null }, options.timeoutMs);
    return answerOf(answer.statusCode, (name) => firstHeader(answer.headers[name]), answer.text);
  }

  function answerOf(status: number, header: (name: string) => string | null, text: string): HttpAnswer {
    return { status, header, text, retryAfterMs: () => parseRetryAfterMs(header('retry-after'), nowMs()) };
  }

  async function call<T, E>(request: HttpCall<T, E>): Promise<CallOutcome<T, E>> {
    const { signal } = request;
    let attempts = 0;
    let renewed = false;
    let unconfirmed = false;
    let last: E | undefined;
    const stopped = (): CallOutcome<T, E> => ({ ok: false, reason: last, attempts, exhausted: false, unconfirmed, stopped: true });
    for (let retry = 0; ;) {
      if (signal?.aborted) return stopped();
      let result: Awaited<ReturnType<typeof attempt<T, E>>>;
      try {
        result = await limit(() => attempt(request));
      } catch (error) {
        // Only a wait for the pacer throws: the signal aborted.
        if (signal?.aborted) return stopped();
        throw error;
      }
      attempts += 1;
      if (result.unconfirmed) unconfirmed = true;
      const { verdict } = result;
      if (verdict.kind === 'ok') return { ok: true, value: verdict.value, attempts };
      last = verdict.reason;
      if (verdict.kind === 'fail') {
        // A stale token: one more attempt with a fresh one, not counted as a retry.
        const { auth } = options;
        if (verdict.renewAuth && !renewed && result.header !== undefined && auth && (await auth.renewAfterUnauthorized(result.header))) {
          renewed = true;
          continue;
        }
        return { ok: false, reason: verdict.reason, attempts, exhausted: false, unconfirmed, stopped: false };
      }
      if (verdict.afterMs !== undefined && verdict.afterMs > MAX_RETRY_AFTER_MS) {
        return {
          ok: false,
          reason: verdict.reason,
          attempts,
          exhausted: false,
          refusedWaitMs: verdict.afterMs,
          unconfirmed,
          stopped: false,
        };
      }
      // Everyone holds back, not only this request: a rate limit is per client.
      if (verdict.afterMs !== undefined) options.pacer?.pauseFor(verdict.afterMs);
      request.onFailedAttempt?.({
        attempt: attempts,
        retriesLeft: options.retries - retry,
        reason: verdict.reason,
        status: result.status,
        afterMs: verdict.afterMs,
      });
      if (retry >= options.retries) return { ok: false, reason: verdict.reason, attempts, exhausted: true, unconfirmed, stopped: false };
      retry += 1;
      const backoffMs = options.retryMinDelayMs * 2 ** (retry - 1) * (1 + random());
      try {
        await wait(Math.max(backoffMs, verdict.afterMs ?? 0), signal);
      } catch {
        return stopped();
      }
    }
  }

  return {
    call,
    get requestCount() {
      return requestCount;
    },
  };
}

/** The first value of a header undici may give as a list. */
function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
