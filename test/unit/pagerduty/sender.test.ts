/** The PagerDuty sender against msw: attempts, retryable and permanent failures, Retry-After, concurrency. */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { createPagerDutySender, type SenderOptions } from '../../../src/pagerduty/sender.js';
import { Redactor, Secret } from '../../../src/secrets.js';
import { mswDispatcher, useMswServer } from '../../helpers/msw.js';
import { virtualClock } from '../../helpers/clock.js';

const URL = 'https://events.pagerduty.test/v2/enqueue';
const KEY = 'R0UT1NGKEYTEST000000000000000000';
const server = useMswServer();

const event = (id: string): PagerDutyEvent => ({
  event_action: 'trigger',
  dedup_key: `iiq-leaver-sla-${id}`,
  payload: {
    summary: 's',
    source: 'iiq.test',
    severity: 'warning',
    timestamp: '2026-11-24T12:00:00.000Z',
    component: 'identityiq',
    group: 'standard',
    class: 'leaver-sla-breach',
    custom_details: {},
  },
});

function makeSender(overrides: Partial<SenderOptions> = {}) {
  const lines: Record<string, any>[] = [];
  const logger = createLogger('debug', new Redactor(), { write: (text) => lines.push(JSON.parse(text)) });
  const sender = createPagerDutySender({
    eventsUrl: URL,
    routingKey: new Secret(KEY),
    retries: 3,
    retryMinDelayMs: 0,
    maxEventsPerMinute: 600_000,
    concurrency: 4,
    timeoutMs: 5_000,
    dispatcher: mswDispatcher(),
    logger,
    ...overrides,
  });
  return { sender, lines };
}

/** Answers in turn from `answers` (the last one repeats) and records each request body with its arrival time. */
function script(...answers: (() => Response)[]) {
  return scriptOn(Date.now, ...answers);
}

/** `script` with arrival times on `nowMs` (a test clock the sender waits on). */
function scriptOn(nowMs: () => number, ...answers: (() => Response)[]) {
  const requests: { body: any; atMs: number }[] = [];
  server.use(
    http.post(URL, async ({ request }) => {
      requests.push({ body: await request.json(), atMs: nowMs() });
      return (answers[Math.min(requests.length, answers.length) - 1] as () => Response)();
    }),
  );
  return requests;
}

const accepted = () => HttpResponse.json({ status: 'success', message: 'Event processed' }, { status: 202 });

describe('createPagerDutySender', () => {
  it('delivers with the routing key on the wire, never a stale one from the event', async () => {
    const requests = script(accepted);
    const { sender } = makeSender();
    const stale = { ...event('a'), routing_key: 'STALEKEY0000000000000000000000000' } as PagerDutyEvent;
    expect(await sender.send(stale)).toEqual({ ok: true, attempts: 1 });
    expect(requests[0]?.body.routing_key).toBe(KEY);
  });

  it('POSTs JSON with the user agent fetch used to add, and no authorization', async () => {
    const heard: (string | null)[][] = [];
    server.use(
      http.post(URL, ({ request }) => {
        heard.push(['content-type', 'user-agent', 'authorization'].map((name) => request.headers.get(name)));
        return accepted();
      }),
    );
    expect(await makeSender().sender.send(event('a'))).toEqual({ ok: true, attempts: 1 });
    expect(heard).toEqual([['application/json', 'node', null]]);
  });

  it('gives up after 1 + retries attempts on 500s', async () => {
    const requests = script(() => new HttpResponse('oops', { status: 500 }));
    const { sender, lines } = makeSender({ retries: 3 });
    expect(await sender.send(event('a'))).toEqual({ ok: false, attempts: 4, error: 'HTTP 500' });
    expect(requests).toHaveLength(4);
    expect(lines.filter((l) => l.msg === 'PagerDuty delivery attempt failed').map((l) => l.retriesLeft)).toEqual([3, 2, 1, 0]);
  });

  it('recovers when a later attempt succeeds (503, network error, then 202)', async () => {
    const requests = script(
      () => new HttpResponse(null, { status: 503 }),
      () => HttpResponse.error(),
      accepted,
    );
    const { sender } = makeSender();
    expect(await sender.send(event('a'))).toEqual({ ok: true, attempts: 3 });
    expect(requests).toHaveLength(3);
  });

  it("fails a 400 after exactly one attempt and logs PagerDuty's errors", async () => {
    const requests = script(() =>
      HttpResponse.json(
        { status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.summary' is missing or blank"] },
        { status: 400 },
      ),
    );
    const { sender, lines } = makeSender();
    const result = await sender.send(event('a'));
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      rejected: true,
      error: "HTTP 400 (Event object is invalid: 'payload.summary' is missing or blank)",
    });
    expect(requests).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'PagerDuty rejected the event: not retried')).toMatchObject({
      status: 400,
      errors: ["'payload.summary' is missing or blank"],
    });
  });

  it.each([403, 404, 413])('fails a %i at once', async (status) => {
    const requests = script(() => new HttpResponse('no', { status }));
    const { sender } = makeSender();
    expect(await sender.send(event('a'))).toMatchObject({ ok: false, attempts: 1, rejected: true });
    expect(requests).toHaveLength(1);
  });

  it('retries 408 like a timeout', async () => {
    const requests = script(() => new HttpResponse(null, { status: 408 }), accepted);
    const { sender } = makeSender();
    expect(await sender.send(event('a'))).toEqual({ ok: true, attempts: 2 });
    expect(requests).toHaveLength(2);
  });

  it('waits out a 429 Retry-After (seconds) before the next attempt, then succeeds', async () => {
    const clock = virtualClock();
    const requests = scriptOn(clock.nowMs, () => new HttpResponse(null, { status: 429, headers: { 'retry-after': '1' } }), accepted);
    const { sender, lines } = makeSender({ nowMs: clock.nowMs, sleep: clock.sleep });
    expect(await sender.send(event('a'))).toEqual({ ok: true, attempts: 2 });
    expect(lines.find((l) => l.msg === 'PagerDuty delivery attempt failed')).toMatchObject({ retryAfterMs: 1000, error: 'HTTP 429' });
    // Backoff is 0 here: only the Retry-After can explain the gap (waited on the test's clock).
    expect(requests[1]!.atMs - requests[0]!.atMs).toBeGreaterThanOrEqual(990);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const clock = virtualClock();
    const requests = scriptOn(
      clock.nowMs,
      () => new HttpResponse(null, { status: 503, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } }),
      accepted,
    );
    const { sender, lines } = makeSender({ nowMs: clock.nowMs, sleep: clock.sleep });
    expect(await sender.send(event('a'))).toEqual({ ok: true, attempts: 2 });
    const waitMs = lines.find((l) => l.msg === 'PagerDuty delivery attempt failed')?.retryAfterMs as number;
    expect(waitMs).toBeGreaterThan(0);
    expect(requests[1]!.atMs - requests[0]!.atMs).toBeGreaterThanOrEqual(waitMs - 10);
  });

  it('leaves an event for the next cycle when Retry-After exceeds the cap', async () => {
    const requests = script(() => new HttpResponse(null, { status: 503, headers: { 'retry-after': '3600' } }));
    const { sender } = makeSender();
    const result = await sender.send(event('a'));
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.ok || result.error).toContain('Retry-After 3600 s');
    expect(requests).toHaveLength(1);
  });

  it('slows the whole sender down on a 429 without Retry-After', async () => {
    script(() => new HttpResponse(null, { status: 429 }), accepted);
    const { sender, lines } = makeSender({ maxEventsPerMinute: 6_000 });
    expect(await sender.send(event('a'))).toEqual({ ok: true, attempts: 2 });
    expect(lines.find((l) => l.msg === 'PagerDuty delivery attempt failed')).toMatchObject({
      error: 'HTTP 429',
      paceEventsPerMinute: 3_000,
    });
  });

  it('never runs more than `concurrency` requests at once', async () => {
    const total = 7;
    let arrived = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let waiting: (() => void)[] = [];
    server.use(
      http.post(URL, async () => {
        arrived += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Hold each request until a full batch (or the last ones) arrived: a leak would show as more in flight.
        const gate = new Promise<void>((resolve) => waiting.push(resolve));
        if (waiting.length === 2 || arrived === total) {
          for (const release of waiting) release();
          waiting = [];
        }
        await gate;
        inFlight -= 1;
        return accepted();
      }),
    );
    const { sender } = makeSender({ concurrency: 2 });
    const results = await Promise.all(Array.from({ length: total }, (_, i) => sender.send(event(String(i)))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(maxInFlight).toBe(2);
  });

  it('keeps the routing key out of error texts', async () => {
    script(() => HttpResponse.json({ message: 'bad', errors: [`routing key ${KEY} unknown`] }, { status: 400 }));
    const { sender, lines } = makeSender();
    const result = await sender.send(event('a'));
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });
});
