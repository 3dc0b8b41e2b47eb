import type { Dispatcher } from 'undici';
import { createRequestCore, USER_AGENT, type HttpAnswer } from '../http/request-core.js';
import { PRODUCT_NAME } from '../sla/incident.js';

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
 * Tests the PagerDuty events URL without opening an incident: POSTs an event without
 * routing key, which PagerDuty refuses with 400 "Event object is invalid". That answer proves the
 * URL, the proxy and TLS; anything else is reported as seen. Redirects are not followed.
 */
export async function probePagerDuty(eventsUrl: string, dispatcher: Dispatcher, timeoutMs: number): Promise<PagerDutyProbe> {
  const target = new URL(eventsUrl);
  // One attempt: the probe reports what it saw, it does not wait for PagerDuty to recover.
  const core = createRequestCore({ dispatcher, timeoutMs, retries: 0, retryMinDelayMs: 0, network: { urlKey: 'pagerduty.eventsUrl' } });
  const outcome = await core.call<PagerDutyProbe, PagerDutyProbe>({
    method: 'POST',
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT },
    body: JSON.stringify(PROBE_EVENT),
    classify: (answer) => ({ kind: 'ok', value: judge(answer, eventsUrl) }),
    networkError: ({ description }) => ({ ok: false, detail: `not reachable: ${description}` }),
  });
  return outcome.ok ? outcome.value : (outcome.reason ?? { ok: false, detail: 'not reachable: not sent' });
}

/** What an answer to the probe says about the URL, the proxy and TLS. */
function judge(answer: HttpAnswer, eventsUrl: string): PagerDutyProbe {
  const { status } = answer;
  const body = parseBody(answer.text);
  if (status === 400 && (body?.message === 'Event object is invalid' || body?.status === 'invalid event')) {
    return {
      ok: true,
      detail: 'reachable: answered 400 "Event object is invalid" to a probe without routing key, as PagerDuty does; nothing was opened',
    };
  }
  const seen = `answered HTTP ${status}${describeAnswer(answer, body)}`;
  if (status >= 300 && status < 400) {
    const location = answer.header('location');
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
function describeAnswer(answer: HttpAnswer, body: { message?: unknown } | undefined): string {
  const type = answer.header('content-type')?.split(';')[0]?.trim();
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
