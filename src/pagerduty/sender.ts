import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { clientSettingsOf, createRequestCore, refusedWait, USER_AGENT, type HttpAnswer, type Verdict } from '../http/request-core.js';
import { classifyStatus } from '../http/retry-policy.js';
import { createEventPacer } from './pacer.js';
import type { Secret } from '../secrets.js';
import type { PagerDutyEvent } from './events.js';
import { omitKeys } from '../omit-keys.js';

/**
 * The outcome of delivering one event, after all attempts. `rejected`: PagerDuty refused the
 * event itself (4xx other than 408/429), so sending it again unchanged will not help.
 * `unconfirmed`: some attempt's body went out but no answer came back (a timeout or a reset
 * after sending): PagerDuty may have acted on it, e.g. opened the incident of a trigger.
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

/** Delivery settings: retries, pacing, timeout. */
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
  /** The pacer's clock and the waits (tests). */
  nowMs?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Why one attempt failed: the scrubbed text, and whether PagerDuty refused the event itself. */
interface DeliveryFailure {
  message: string;
  rejected?: boolean;
}

/**
 * A sender that paces evenly to `maxEventsPerMinute` (one sender = one routing key), runs
 * `concurrency` requests at once, retries network errors, timeouts, 408, 429 and 5xx
 * `retries` times with exponential backoff and jitter (Retry-After honoured when longer, and
 * by every event), slows the whole pace down on a 429, and fails other 4xx at once.
 */
export function createPagerDutySender(options: SenderOptions): PagerDutySender {
  const pacer = createEventPacer(options.maxEventsPerMinute, options);
  const core = createRequestCore({
    ...clientSettingsOf(options),
    pacer,
    network: { urlKey: 'pagerduty.eventsUrl' },
  });
  const target = new URL(options.eventsUrl);
  const routingKey = options.routingKey.reveal();
  // Last line of defence: an error text quoting the key must not reach a log or the dead-letter file.
  const scrub = (text: string): string => (routingKey ? text.replaceAll(routingKey, '[REDACTED]') : text);

  function classify(event: PagerDutyEvent, answer: HttpAnswer): Verdict<true, DeliveryFailure> {
    const { status } = answer;
    // Never followed: the routing key goes to the origin of pagerduty.eventsUrl and nowhere else.
    if (isRedirect(status))
      return { kind: 'fail', reason: { message: redirectMessage(status, answer.header('location'), options.eventsUrl) } };
    const statusClass = classifyStatus(status);
    if (statusClass === 'ok') return { kind: 'ok', value: true };
    const body = describeBody(answer.text);
    const message = scrub(`HTTP ${status}${body.detail ? ` (${body.detail})` : ''}`);
    if (statusClass === 'fail') {
      options.logger.error(
        {
          dedup_key: event.dedup_key,
          event_action: event.event_action,
          status,
          errors: body.errors.map(scrub),
          message: body.message && scrub(body.message),
        },
        'PagerDuty rejected the event: not retried',
      );
      return { kind: 'fail', reason: { message, rejected: true } };
    }
    return { kind: 'retry', reason: { message }, afterMs: answer.retryAfterMs() };
  }

  async function deliver(event: PagerDutyEvent, signal: AbortSignal | undefined): Promise<DeliveryResult> {
    const outcome = await core.call<true, DeliveryFailure>({
      method: 'POST',
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body: JSON.stringify({ routing_key: routingKey, ...withoutRoutingKey(event) }),
      signal,
      classify: (answer) => classify(event, answer),
      networkError: ({ description }) => ({ message: scrub(`network error: ${description}`) }),
      onFailedAttempt: ({ attempt, retriesLeft, reason, status, afterMs }) => {
        // Throttling concerns the routing key, not this event: hold every send back.
        if (status === 429) {
          pacer.slowDown();
          if (afterMs === undefined) pacer.pauseFor(options.retryMinDelayMs * 2 ** (attempt - 1));
        }
        options.logger.warn(
          {
            dedup_key: event.dedup_key,
            event_action: event.event_action,
            attempt,
            retriesLeft,
            error: reason.message,
            ...(afterMs !== undefined ? { retryAfterMs: afterMs } : {}),
            ...(status === 429 ? { paceEventsPerMinute: Math.round(pacer.startsPerMinute) } : {}),
          },
          'PagerDuty delivery attempt failed',
        );
      },
    });
    if (outcome.ok) return { ok: true, attempts: outcome.attempts };
    const { attempts } = outcome;
    const unconfirmed = outcome.unconfirmed ? { unconfirmed: true as const } : {};
    if (outcome.stopped) {
      return {
        ok: false,
        attempts,
        error: `not sent: the run is stopping (${describeReason(signal?.reason)})`,
        stopped: true,
        ...unconfirmed,
      };
    }
    const failure = outcome.reason ?? { message: 'not sent' };
    const message =
      outcome.refusedWaitMs === undefined
        ? failure.message
        : `${failure.message}; ${refusedWait(outcome.refusedWaitMs)}; left for the next cycle`;
    return { ok: false, attempts, error: scrub(message), ...(failure.rejected ? { rejected: true } : {}), ...unconfirmed };
  }

  return { send: (event, signal) => deliver(event, signal) };
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** A 3xx names where it points (its origin only: a Location may carry a token in its query). */
function redirectMessage(status: number, location: string | null, eventsUrl: string): string {
  let where = 'no Location given';
  if (location) {
    try {
      where = new URL(location, eventsUrl).origin;
    } catch {
      where = 'an unreadable Location';
    }
  }
  return `HTTP ${status}: PagerDuty URL redirected to ${where}: check pagerduty.eventsUrl and the proxy`;
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
