/** The sender against the loopback fake PagerDuty: real sockets for timeouts, pacing and the rolling-window limit. */
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../../src/sandbox/fake-http.js';
import { startFakePagerDuty, type FakePagerDuty, type FakePagerDutyOptions } from '../../../src/sandbox/fake-pagerduty.js';
import { createDispatcher } from '../../../src/http/dispatcher.js';
import { createLogger } from '../../../src/log.js';
import { buildTriggerEvent, MAX_EVENT_BYTES, wireBytes, type PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { createPagerDutySender, type SenderOptions } from '../../../src/pagerduty/sender.js';
import { Redactor, Secret } from '../../../src/secrets.js';
import { virtualClock } from '../../helpers/clock.js';

const KEY = 'R0UT1NGKEYTEST000000000000000000';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function setup(fake: FakePagerDutyOptions, overrides: Partial<SenderOptions> = {}) {
  const pagerDuty: FakePagerDuty = await startFakePagerDuty(fake);
  const concurrency = overrides.concurrency ?? 4;
  const timeoutMs = overrides.timeoutMs ?? 5_000;
  const dispatcher = createDispatcher({ connections: concurrency, timeoutMs });
  cleanups.push(
    () => pagerDuty.close(),
    () => dispatcher.destroy(),
  );
  const lines: Record<string, any>[] = [];
  const logger = createLogger('debug', new Redactor(), { write: (text) => lines.push(JSON.parse(text)) });
  const sender = createPagerDutySender({
    eventsUrl: pagerDuty.url,
    routingKey: new Secret(KEY),
    retries: 3,
    retryMinDelayMs: 0,
    maxEventsPerMinute: 600_000,
    concurrency,
    timeoutMs,
    dispatcher,
    logger,
    ...overrides,
  });
  return { pagerDuty, sender, lines };
}

const event = (i: number): PagerDutyEvent => ({
  event_action: 'trigger',
  dedup_key: `iiq-leaver-sla-${String(i).padStart(4, '0')}`,
  payload: {
    summary: `breach ${i}`,
    source: 'iiq.test',
    severity: 'warning',
    timestamp: new Date().toISOString(),
    component: 'identityiq',
    group: 'standard',
    class: 'leaver-sla-breach',
    custom_details: {},
  },
});

/** The most 202s whose arrival falls inside any window of `windowMs` (the fake's own measure). */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j += 1) {
    while ((sorted[j] as number) - (sorted[i] as number) >= windowMs) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('sender on loopback', () => {
  it('leaves an event for the next cycle at once when a 429 asks for more than 120 s (the dead letter takes it)', async () => {
    const { pagerDuty, sender, lines } = await setup({ respond: () => ({ status: 429, headers: { 'retry-after': '864000' } }) });
    const result = await sender.send(event(1));
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      error: 'HTTP 429; Retry-After 864000 s is longer than the 120 s the watchdog waits: not waited for; left for the next cycle',
    });
    expect(pagerDuty.received).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'PagerDuty delivery attempt failed')).toEqual([]);
  });

  it('unconfirmed: the body went out and the connection was reset before an answer; not so when nothing listens', async () => {
    const bodies: string[] = [];
    const resetting = await listenLocal(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      bodies.push(body);
      res.destroy();
    });
    cleanups.push(() => resetting.close());
    const reset = await setup({}, { eventsUrl: `http://127.0.0.1:${resetting.port}/v2/enqueue`, retries: 1 });
    const result = await reset.sender.send(event(1));
    expect(result).toMatchObject({ ok: false, attempts: 2, unconfirmed: true });
    expect(bodies).toHaveLength(2);

    const closed = await listenLocal(() => Promise.resolve());
    await closed.close();
    const refused = await setup({}, { eventsUrl: `http://127.0.0.1:${closed.port}/v2/enqueue`, retries: 1 });
    const never = await refused.sender.send(event(2));
    expect(never).toMatchObject({ ok: false, attempts: 2 });
    expect(never).not.toHaveProperty('unconfirmed');
    expect(!never.ok && never.error).toMatch(/^network error: connection refused/);
  });

  it('times out a hanging first request, then delivers on the retry', async () => {
    const { pagerDuty, sender, lines } = await setup(
      { respond: (_event, index) => (index === 0 ? { status: 0, hang: true } : undefined) },
      { timeoutMs: 500 },
    );
    expect(await sender.send(event(1))).toEqual({ ok: true, attempts: 2 });
    expect(pagerDuty.received.map((r) => r.status)).toEqual([0, 202]);
    expect(lines.find((l) => l.msg === 'PagerDuty delivery attempt failed')?.error).toBe('network error: no answer within 0.5 s (timeout)');
  });

  it('dead-letters after 4 attempts when every request hangs', async () => {
    const { pagerDuty, sender } = await setup({ respond: () => ({ status: 0, hang: true }) }, { timeoutMs: 200 });
    expect(await sender.send(event(1))).toEqual({
      ok: false,
      attempts: 4,
      error: 'network error: no answer within 0.2 s (timeout)',
      // The body went out each time: PagerDuty may have opened it without our seeing the answer.
      unconfirmed: true,
    });
    expect(pagerDuty.received).toHaveLength(4);
  });

  // On a clock the test owns: one request at a time, so the pacer's clock only moves between
  // requests and each arrival is stamped at its start (real time is the e2e delivery test's).
  it('paces a storm of 40 events under a 5-per-second rolling window: all delivered, zero 429s', async () => {
    const clock = virtualClock();
    const rateLimit = { events: 5, windowMs: 1_000 };
    const { pagerDuty, sender } = await setup(
      { rateLimit, nowMs: clock.nowMs },
      { maxEventsPerMinute: 240, concurrency: 1, nowMs: clock.nowMs, sleep: clock.sleep },
    );
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => sender.send(event(i))));
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    expect(pagerDuty.received.filter((r) => r.status === 429)).toHaveLength(0);
    expect(pagerDuty.accepted()).toHaveLength(40);
    const arrivals = pagerDuty.received.map((r) => r.receivedAt);
    expect(busiestWindow(arrivals, rateLimit.windowMs)).toBeLessThanOrEqual(rateLimit.events);
    // 240 a minute: one start every 250 ms, no bursts.
    expect(arrivals.slice(1).map((atMs, i) => atMs - (arrivals[i] as number))).toEqual(Array.from({ length: 39 }, () => 250));
  });

  it('slows the whole sender down after 429s when configured faster than the key allows, and still delivers everything', async () => {
    const clock = virtualClock();
    const { pagerDuty, sender, lines } = await setup(
      { rateLimit: { events: 5, windowMs: 1_000 }, nowMs: clock.nowMs },
      { maxEventsPerMinute: 1_200, retries: 5, retryMinDelayMs: 50, concurrency: 1, nowMs: clock.nowMs, sleep: clock.sleep },
    );
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sender.send(event(i))));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(pagerDuty.accepted()).toHaveLength(20);
    const throttled = lines.filter((l) => String(l.error).startsWith('HTTP 429'));
    expect(throttled.length).toBeGreaterThan(0);
    const paces = throttled.map((l) => l.paceEventsPerMinute as number);
    expect(Math.min(...paces)).toBeLessThan(1_200);
    expect(Math.min(...paces)).toBeGreaterThanOrEqual(1_200 / 8);
  });

  it('delivers an event fitted from thousands of long application names (the fake rejects > 512 KB)', async () => {
    const { pagerDuty, sender } = await setup({});
    const applications = Array.from({ length: 5_000 }, (_, i) => `Application ${i} ${'x'.repeat(150)}`);
    const big = buildTriggerEvent(
      {
        dedupKey: 'iiq-leaver-sla-big',
        identityId: 'big',
        identityName: 'big',
        displayName: 'Big',
        tier: 'standard',
        slaHours: 8,
        severity: 'error',
        activeApplications: applications,
        activeAccountCount: 5_000,
        terminationDate: '2026-11-23T00:00:00.000Z',
        terminationSource: 'attribute',
        slaDeadline: '2026-11-23T08:00:00.000Z',
        elapsedHours: 36,
      },
      { source: 'iiq.test', baseUrl: 'https://iiq.test/identityiq', identityUrlTemplate: '{baseUrl}/{id}' },
      new Date(),
    );
    expect(wireBytes(big)).toBeLessThan(MAX_EVENT_BYTES);
    expect(await sender.send(big)).toEqual({ ok: true, attempts: 1 });
    expect(pagerDuty.accepted()[0].payload.custom_details.active_account_count).toBe(5_000);
  });
});
