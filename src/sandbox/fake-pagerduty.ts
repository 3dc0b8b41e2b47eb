/**
 * A fake PagerDuty Events API v2 (POST /v2/enqueue) that validates and rate-limits like the
 * real one, for the demo, the end-to-end tests and the benchmark. node:http only.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenLocal, readBody, writeResponse } from './fake-http.js';
import { renderIncidentsPage } from './fake-pagerduty-page.js';
import type { FakeResponse } from './fake-iiq.js';

/** Re-exported so a test needs only this module to script answers. */
export type { FakeResponse } from './fake-iiq.js';

/**
 * A request body as received: parsed JSON of whatever shape the client sent, or the raw text.
 * Typed `any` on purpose: the end-to-end tests assert on it field by field, as the real PagerDuty
 * would read it, and must not be forced to re-declare our own event types to do so.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the fake records what arrived, tests read it freely
export type ReceivedBody = any;

/** One request as received: parsed JSON body (raw text when not JSON) and the status answered (0 = hung). */
export interface ReceivedEvent {
  receivedAt: number;
  body: ReceivedBody;
  status: number;
}
/** How the fake PagerDuty answers. */
export interface FakePagerDutyOptions {
  /**
   * Overrides the answer; index = 0-based count of requests before this one; undefined → normal
   * handling. May return a promise: the answer waits for it (a test holds a request in flight).
   */
  respond?: (event: ReceivedBody, index: number) => FakeResponse | undefined | Promise<FakeResponse | undefined>;
  /** Rolling window over 202-answered events; above it → 429 without Retry-After, like real PagerDuty. */
  rateLimit?: { events: number; windowMs: number };
  /** GET / (the incidents page) reloads itself this often; default never. */
  pageRefreshSeconds?: number;
  /** The clock arrivals are stamped and the rolling window judged on (default Date.now): a test moves it instead of waiting. */
  nowMs?: () => number;
}
/** A running fake PagerDuty; `url` is the full events URL …/v2/enqueue. */
export interface FakePagerDuty {
  url: string;
  received: ReceivedEvent[];
  /** Bodies of the requests answered 202, in arrival order. */
  accepted(): ReceivedBody[];
  close(): Promise<void>;
}

const MAX_BODY = 512 * 1024;
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const INVALID = { status: 'invalid event', message: 'Event object is invalid' };

const json = (status: number, value: unknown): FakeResponse => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});
const invalid = (errors: string[]): FakeResponse => json(400, { ...INVALID, errors });
const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';

/** What PagerDuty would reject in this event (empty when valid). */
function validate(event: unknown): string[] {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return ['Event must be a JSON object'];
  const e = event as Record<string, unknown>;
  const action = typeof e.event_action === 'string' ? e.event_action : undefined;
  const errors: string[] = [];
  // Real PagerDuty's words for a missing or wrong-length key (check's probe sends none on purpose).
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32)
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (action === undefined || !ACTIONS.has(action)) errors.push("'event_action' must be one of trigger, acknowledge, resolve");
  // Real PagerDuty needs the dedup_key for acknowledge as well as resolve.
  if ((action === 'resolve' || action === 'acknowledge') && blank(e.dedup_key))
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if (action === 'trigger') {
    const p = e.payload as Record<string, unknown> | null | undefined;
    if (!p || typeof p !== 'object') {
      errors.push("'payload' is missing");
    } else {
      if (blank(p.summary)) errors.push("'payload.summary' is missing or blank");
      if (blank(p.source)) errors.push("'payload.source' is missing or blank");
      if (typeof p.severity !== 'string' || !SEVERITIES.has(p.severity))
        errors.push("'payload.severity' must be one of critical, error, warning, info");
      if (
        p.timestamp !== undefined &&
        ((typeof p.timestamp !== 'string' && typeof p.timestamp !== 'number') || Number.isNaN(Date.parse(String(p.timestamp))))
      )
        errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
    }
  }
  return errors;
}

/** Starts a fake PagerDuty Events API v2 on 127.0.0.1 (free port). */
export async function startFakePagerDuty(options: FakePagerDutyOptions = {}): Promise<FakePagerDuty> {
  const nowMs = options.nowMs ?? Date.now;
  const received: ReceivedEvent[] = [];
  const acceptedAt: number[] = []; // arrival times of 202s, oldest first, for the rolling window

  async function answer(method: string, path: string, raw: string, body: unknown, parsed: boolean, index: number): Promise<FakeResponse> {
    if (path !== '/v2/enqueue') return json(404, { status: 'not found', message: `No route ${path}` });
    if (method !== 'POST') return json(405, { status: 'method not allowed', message: 'Use POST' });
    const hooked = await options.respond?.(body, index);
    if (hooked) return hooked;
    if (Buffer.byteLength(raw) > MAX_BODY) return invalid(['Event object is larger than 512 KB']);
    if (!parsed) return json(400, { status: 'invalid request', message: 'Invalid JSON', errors: ['Request body is not valid JSON'] });
    const errors = validate(body);
    if (errors.length > 0) return invalid(errors);
    const limit = options.rateLimit;
    if (limit) {
      const now = nowMs();
      while (acceptedAt.length > 0 && (acceptedAt[0] as number) <= now - limit.windowMs) acceptedAt.shift();
      if (acceptedAt.length >= limit.events) {
        return json(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly.  Please retry later.' });
      }
    }
    const e = body as Record<string, unknown>;
    // Like PagerDuty, a trigger without dedup_key gets one generated.
    const dedupKey = typeof e.dedup_key === 'string' ? e.dedup_key : randomBytes(16).toString('hex');
    return json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://fake').pathname === '/') {
      // The page a person opens (sandbox): not an event, so not recorded.
      writeResponse(res, {
        status: 200,
        body: renderIncidentsPage(received, { refreshSeconds: options.pageRefreshSeconds }),
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      });
      return;
    }
    // Recorded on arrival so concurrent requests get distinct, ordered indexes.
    const entry: ReceivedEvent = { receivedAt: nowMs(), body: undefined, status: 0 };
    const index = received.push(entry) - 1;
    const raw = await readBody(req);
    let parsed = false;
    entry.body = raw;
    try {
      entry.body = JSON.parse(raw) as unknown;
      parsed = true;
    } catch {
      // keep the raw text: tests want to see what was actually sent
    }
    const reply = await answer(req.method ?? 'GET', new URL(req.url ?? '/', 'http://fake').pathname, raw, entry.body, parsed, index);
    if (reply.hang) return;
    entry.status = reply.status;
    if (reply.status === 202) acceptedAt.push(nowMs());
    writeResponse(res, reply);
  }

  const server = await listenLocal(onRequest);
  return {
    url: `http://127.0.0.1:${server.port}/v2/enqueue`,
    received,
    accepted: () => received.filter((r) => r.status === 202).map((r): unknown => r.body),
    close: () => server.close(),
  };
}
