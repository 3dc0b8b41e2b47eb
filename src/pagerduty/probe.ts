import type { Dispatcher } from 'undici';
import { fetchVia } from '../http/dispatcher.js';
import { describeNetworkError } from '../http/network-error.js';
import { PRODUCT_NAME } from '../sla/dedup-keys.js';

/** What the PagerDuty probe found. */
export interface PagerDutyProbe {
  /** True when the URL answered like PagerDuty's Events API: through the proxy and TLS. */
  ok: boolean;
  /** One line: what was seen. */
  detail: string;
}

/** The probe: a valid event but for the routing key, which it has none of, so nothing can be opened. */
const PROBE_EVENT = {
  event_action: 'trigger',
  payload: {
    summary: `${PRODUCT_NAME} check: reachability probe without routing key`,
    source: `${PRODUCT_NAME} check`,
    severity: 'info',
  },
};

/**
 * Tests the PagerDuty events URL without opening an incident (spec 13): POSTs an event without
 * routing key, which PagerDuty refuses with 400 "Event object is invalid". That answer proves the
 * URL, the proxy and TLS; anything else is reported as seen. Redirects are not followed.
 */
export async function probePagerDuty(eventsUrl: string, dispatcher: Dispatcher, timeoutMs: number): Promise<PagerDutyProbe> {
  let response: Response;
  let text: string;
  try {
    response = await fetchVia(dispatcher, eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(PROBE_EVENT),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, detail: `not reachable: ${describeNetworkError(error, { timeoutMs, urlKey: 'pagerduty.eventsUrl' })}` };
  }
  const { status } = response;
  const body = parseBody(text);
  if (status === 400 && (body?.message === 'Event object is invalid' || body?.status === 'invalid event')) {
    return {
      ok: true,
      detail: 'reachable: answered 400 "Event object is invalid" to a probe without routing key, as PagerDuty does; nothing was opened',
    };
  }
  const seen = `answered HTTP ${status}${describeAnswer(response, body)}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    return {
      ok: false,
      detail: `${seen}, a redirect${location ? ` to ${originOf(location, eventsUrl)}` : ''}: events would not be delivered (check pagerduty.eventsUrl and the proxy)`,
    };
  }
  if (status === 202 || status === 200)
    return {
      ok: false,
      detail: `${seen}: it accepted an event without routing key, which PagerDuty never does (is pagerduty.eventsUrl PagerDuty's Events API v2?)`,
    };
  if (status === 404) return { ok: false, detail: `${seen}: no such path (PagerDuty's is https://events.pagerduty.com/v2/enqueue)` };
  if (status === 407) return { ok: false, detail: `${seen}: the proxy wants credentials` };
  return { ok: false, detail: `${seen}: not PagerDuty's answer to an event without routing key (expected 400 "Event object is invalid")` };
}

function parseBody(text: string): { status?: unknown; message?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The content type and a JSON message, short and on one line; never a page of HTML. */
function describeAnswer(response: Response, body: { message?: unknown } | undefined): string {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  const message = typeof body?.message === 'string' ? ` "${body.message.replace(/\s+/g, ' ').slice(0, 120)}"` : '';
  return `${type ? ` (${type})` : ''}${message}`;
}

function originOf(location: string, base: string): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return 'an invalid location';
  }
}
