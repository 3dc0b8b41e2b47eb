import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { fetchVia } from '../http/dispatcher.js';
import { describeNetworkError } from '../http/network-error.js';
import { classifyStatus, parseRetryAfterMs } from '../http/retry-policy.js';
import type { Secret } from '../secrets.js';
import type { PagerDutyEvent } from './events.js';
import { Pacer } from './pacer.js';
import { omitKeys } from '../omit-keys.js';

/**
 * The outcome of delivering one event, after all attempts. `rejected`: PagerDuty refused the
 * event itself (4xx other than 408/429), so sending it again unchanged will not help.
 * `unconfirmed`: at least one attempt's request went out but its answer never came (a timeout or
 * a reset after the body was sent), so PagerDuty may have accepted the event.
 */
export type DeliveryResult =
  { ok: true; attempts: number } | { ok: false; attempts: number; error: string; rejected?: boolean; stopped?: true; unconfirmed?: true };

/** Delivers events to the PagerDuty Events API v2. */
export interface PagerDutySender {
  /**
   * Delivers one event. Once `signal` aborts (the run is stopping) no attempt starts any more and
   * the result says `stopped`; an attempt already in flight finishes (or times out) and counts.
   */
  send(event: PagerDutyEvent, signal?: AbortSignal): Promise<DeliveryResult>;
}

/** Delivery settings (spec 5 "Delivery"). */
export interface SenderOptions {
  eventsUrl: string;
  routingKey: Secret;
  /** Further attempts after the first. */
  retries: number;
  retryMinDelayMs: number;
  maxEventsPerMinute: number;
  concurrency: number;
  /** Whole-request limit (connect, headers, body); the dispatcher holds the same per phase. */
  timeoutMs: number;
  dispatcher: Dispatcher;
  logger: Logger;
}

/**
 * A Retry-After longer than this is not waited for: the event is dead-lettered at once and
 * the next cycle (or `replay`) tries again, rather than one cycle blocking for hours.
 */
export const MAX_RETRY_AFTER_MS = 120_000;

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The request may have reached PagerDuty: it went out, and no answer came back. */
    readonly unconfirmed = false,
  ) {
    super(message);
  }
}

/**
 * A sender that paces evenly to `maxEventsPerMinute` (one sender = one routing key), runs
 * `concurrency` deliveries at once, retries network errors, timeouts, 408, 429 and 5xx
 * `retries` times with exponential backoff and jitter (Retry-After honoured when longer, and
 * by every event), slows the whole pace down on a 429, and fails other 4xx at once.
 */
export function createPagerDutySender(options: SenderOptions): PagerDutySender {
  const pacer = new Pacer(options.maxEventsPerMinute);
  const limit = pLimit(options.concurrency);
  const routingKey = options.routingKey.reveal();
  // Last line of defence: an error text quoting the key must not reach a log or the dead-letter file.
  const scrub = (text: string): string => (routingKey ? text.replaceAll(routingKey, '[REDACTED]') : text);

  async function post(event: PagerDutyEvent): Promise<void> {
    let response: Response | undefined;
    let text: string;
    try {
      response = await fetchVia(options.dispatcher, options.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: routingKey, ...withoutRoutingKey(event) }),
        // Never followed: the routing key goes to the origin of pagerduty.eventsUrl and nowhere else (spec 5).
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (isRedirect(response.status)) {
        await response.body?.cancel();
        throw new AbortError(new DeliveryError(redirectMessage(response, options.eventsUrl), response.status));
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof AbortError) throw error;
      const reason = describeNetworkError(error, { timeoutMs: options.timeoutMs, urlKey: 'pagerduty.eventsUrl' });
      throw new DeliveryError(scrub(`network error: ${reason}`), undefined, undefined, response !== undefined || mayHaveBeenSent(error));
    }
    const statusClass = classifyStatus(response.status);
    if (statusClass === 'ok') return;
    const body = describeBody(text);
    const message = scrub(`HTTP ${response.status}${body.detail ? ` (${body.detail})` : ''}`);
    if (statusClass === 'fail') {
      options.logger.error(
        {
          dedup_key: event.dedup_key,
          event_action: event.event_action,
          status: response.status,
          errors: body.errors.map(scrub),
          message: body.message && scrub(body.message),
        },
        'PagerDuty rejected the event: not retried',
      );
      throw new AbortError(new DeliveryError(message, response.status));
    }
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) {
      throw new AbortError(
        new DeliveryError(
          `${message}; Retry-After ${Math.round(retryAfterMs / 1000)} s is longer than ${MAX_RETRY_AFTER_MS / 1000} s: left for the next cycle`,
          response.status,
        ),
      );
    }
    throw new DeliveryError(message, response.status, retryAfterMs);
  }

  async function deliver(event: PagerDutyEvent, signal: AbortSignal | undefined): Promise<DeliveryResult> {
    let attempts = 0;
    // Set inside the attempt callback: a property, so the catch below is not narrowed to its initial value.
    const progress = { accepted: false, unconfirmed: false };
    const stopped = (): DeliveryResult => ({
      ok: false,
      attempts,
      error: `not sent: the run is stopping (${describeReason(signal?.reason)})`,
      stopped: true,
      ...(progress.unconfirmed ? { unconfirmed: true as const } : {}),
    });
    // A function, not a narrowed property: the signal can abort while an attempt is awaited.
    const isStopping = (): boolean => signal?.aborted === true;
    if (isStopping()) return stopped();
    try {
      await pRetry(
        async () => {
          // No new attempt once the run is stopping; waits for a slot or a backoff end at once.
          await pacer.take(signal);
          attempts += 1;
          await post(event);
          progress.accepted = true;
        },
        {
          // Not given to the attempt itself: a request in flight finishes (or times out) and its answer counts.
          ...(signal ? { signal } : {}),
          retries: options.retries,
          minTimeout: options.retryMinDelayMs,
          factor: 2,
          randomize: true,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            const failure = error instanceof DeliveryError ? error : undefined;
            if (failure?.unconfirmed) progress.unconfirmed = true;
            // Throttling and Retry-After concern the routing key, not this event: hold every send back.
            if (failure?.status === 429) {
              pacer.slowDown();
              pacer.pause(failure.retryAfterMs ?? options.retryMinDelayMs * 2 ** (attemptNumber - 1));
            } else if (failure?.retryAfterMs !== undefined) {
              pacer.pause(failure.retryAfterMs);
            }
            options.logger.warn(
              {
                dedup_key: event.dedup_key,
                event_action: event.event_action,
                attempt: attemptNumber,
                retriesLeft,
                error: error.message,
                ...(failure?.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
                ...(failure?.status === 429 ? { paceEventsPerMinute: Math.round(pacer.eventsPerMinute) } : {}),
              },
              'PagerDuty delivery attempt failed',
            );
          },
        },
      );
      return { ok: true, attempts };
    } catch (error) {
      // p-retry checks the signal after a successful attempt too: an accepted event is delivered, whatever happened since.
      if (progress.accepted) return { ok: true, attempts };
      // An earlier attempt that went unanswered may have been accepted, whatever the later ones got.
      if (error instanceof DeliveryError && error.unconfirmed) progress.unconfirmed = true;
      if (isStopping()) return stopped();
      const status = error instanceof DeliveryError ? error.status : undefined;
      // A redirect is the URL or the proxy, not PagerDuty refusing this event.
      const rejected = status !== undefined && !isRedirect(status) && classifyStatus(status) === 'fail';
      return {
        ok: false,
        attempts,
        error: scrub((error as Error).message),
        ...(rejected ? { rejected } : {}),
        ...(progress.unconfirmed ? { unconfirmed: true as const } : {}),
      };
    }
  }

  return { send: (event, signal) => limit(() => deliver(event, signal)) };
}

/**
 * Whether a request that failed without an answer may have reached PagerDuty: a timeout or a
 * connection closed mid-request may come after the body was sent (counted as possibly sent: a
 * resolve PagerDuty has no incident for is harmless, a lost open incident is not); a refused
 * connection, an unknown host or a TLS failure come before it.
 */
function mayHaveBeenSent(error: unknown): boolean {
  const err = error as { name?: unknown; code?: unknown; cause?: { name?: unknown; code?: unknown } };
  if (err.name === 'TimeoutError' || err.cause?.name === 'TimeoutError') return true;
  const code = err.cause?.code ?? err.code;
  return typeof code === 'string' && ANSWER_LOST.has(code);
}

const ANSWER_LOST = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** A 3xx names where it points (its origin only: a Location may carry a token in its query). */
function redirectMessage(response: Response, eventsUrl: string): string {
  const location = response.headers.get('location');
  let where = 'no Location given';
  if (location) {
    try {
      where = new URL(location, eventsUrl).origin;
    } catch {
      where = 'an unreadable Location';
    }
  }
  return `HTTP ${response.status}: PagerDuty URL redirected to ${where}: check pagerduty.eventsUrl and the proxy`;
}

function describeReason(reason: unknown): string {
  return typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'stop requested';
}

/** An event as it may come back from a file: a stray routing_key must never override the current one. */
function withoutRoutingKey(event: PagerDutyEvent): PagerDutyEvent {
  return omitKeys(event as PagerDutyEvent & { routing_key?: unknown }, 'routing_key');
}

/** PagerDuty's `message` and `errors`. */
function describeBody(text: string): { message: string | undefined; errors: string[]; detail: string } {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const message = typeof body.message === 'string' ? body.message : undefined;
    const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
    const detail = [message, errors.length > 0 ? errors.join('; ') : undefined].filter(Boolean).join(': ').slice(0, 500);
    return { message, errors, detail };
  } catch {
    return { message: undefined, errors: [], detail: '' };
  }
}
