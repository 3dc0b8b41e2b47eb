import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { fetchVia } from '../http/dispatcher.js';
import { classifyStatus, parseRetryAfterMs } from '../http/retry-policy.js';
import type { Secret } from '../secrets.js';
import type { PagerDutyEvent } from './events.js';
import { Pacer } from './pacer.js';

/** The outcome of delivering one event, after all attempts. */
export type DeliveryResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

/** Delivers events to the PagerDuty Events API v2. */
export interface PagerDutySender {
  send(event: PagerDutyEvent): Promise<DeliveryResult>;
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
  timeoutMs: number;
  dispatcher: Dispatcher;
  logger: Logger;
}

class DeliveryError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/**
 * A sender that paces evenly to `maxEventsPerMinute`, runs `concurrency` deliveries at once,
 * retries network errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter
 * (Retry-After honoured when longer), and fails other 4xx at once.
 */
export function createPagerDutySender(options: SenderOptions): PagerDutySender {
  const pacer = new Pacer(options.maxEventsPerMinute);
  const limit = pLimit(options.concurrency);

  async function post(event: PagerDutyEvent): Promise<void> {
    await pacer.take();
    let response: Response;
    let text: string;
    try {
      response = await fetchVia(options.dispatcher, options.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: options.routingKey.reveal(), ...event }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      const reason = err.name === 'TimeoutError' ? `no answer within ${options.timeoutMs / 1000} s (timeout)` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new DeliveryError(`network error: ${reason}`);
    }
    const statusClass = classifyStatus(response.status);
    if (statusClass === 'ok') return;
    const message = `HTTP ${response.status}${describeBody(text)}`;
    if (statusClass === 'fail') throw new AbortError(new DeliveryError(message));
    throw new DeliveryError(message, parseRetryAfterMs(response.headers.get('retry-after'), Date.now()));
  }

  return {
    send: (event) =>
      limit(async () => {
        let attempts = 0;
        try {
          await pRetry(
            async () => {
              attempts += 1;
              await post(event);
            },
            {
              retries: options.retries,
              minTimeout: options.retryMinDelayMs,
              factor: 2,
              randomize: true,
              onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
                const throttled = error.message.startsWith('HTTP 429');
                const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
                // A 429 is about the routing key, not this event: hold every sender back.
                if (throttled || retryAfterMs !== undefined) {
                  pacer.pause(retryAfterMs ?? options.retryMinDelayMs * 2 ** (attemptNumber - 1));
                }
                options.logger.warn(
                  { dedup_key: event.dedup_key, event_action: event.event_action, attempt: attemptNumber, retriesLeft, error: error.message },
                  'PagerDuty delivery attempt failed',
                );
              },
            },
          );
          return { ok: true, attempts };
        } catch (error) {
          return { ok: false, attempts, error: (error as Error).message };
        }
      }),
  };
}

/** PagerDuty's `message` and `errors`, on one line. */
function describeBody(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const parts = [typeof body.message === 'string' ? body.message : undefined, Array.isArray(body.errors) ? body.errors.join('; ') : undefined];
    const detail = parts.filter(Boolean).join(': ');
    return detail ? ` (${detail.slice(0, 500)})` : '';
  } catch {
    return '';
  }
}
