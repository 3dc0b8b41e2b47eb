/** The sender against the loopback fake PagerDuty: real sockets for timeouts, pacing and the rolling-window limit. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty, type FakePagerDutyOptions } from '../../../dev/fake-pagerduty.js';
import { createDispatcher } from '../../../src/http/dispatcher.js';
import { createLogger } from '../../../src/log.js';
import { buildTriggerEvent, MAX_EVENT_BYTES, wireBytes, type PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { createPagerDutySender, type SenderOptions } from '../../../src/pagerduty/sender.js';
import { Redactor, Secret } from '../../../src/secrets.js';

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
  it('times out a hanging first request, then delivers on the retry', async () => {
    const { pagerDuty, sender, lines } = await setup(
      { respond: (_event, index) => (index === 0 ? { status: 0, hang: true } : undefined) },
      { timeoutMs: 500 },
    );
    expect(await sender.send(event(1))).toEqual({ ok: true, attempts: 2 });
    expect(pagerDuty.received.map((r) => r.status)).toEqual([0, 202]);
    expect(lines.find((l) => l.msg === 'PagerDuty delivery attempt failed')?.error).toBe('network error: no answer within 0.5 s (timeout)');
  });

  it('dead-letters after 4 attempts when every request hangs, saying it may have been accepted (unconfirmed)', async () => {
    const { pagerDuty, sender } = await setup({ respond: () => ({ status: 0, hang: true }) }, { timeoutMs: 200 });
    expect(await sender.send(event(1))).toEqual({
      ok: false,
      attempts: 4,
      error: 'network error: no answer within 0.2 s (timeout)',
      unconfirmed: true,
    });
    expect(pagerDuty.received).toHaveLength(4);
  });

  it('paces a storm of 40 events under a 5-per-second rolling window: all delivered, zero 429s', async () => {
    const rateLimit = { events: 5, windowMs: 1_000 };
    const { pagerDuty, sender } = await setup({ rateLimit }, { maxEventsPerMinute: 240 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => sender.send(event(i))));
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    expect(pagerDuty.received.filter((r) => r.status === 429)).toHaveLength(0);
    expect(pagerDuty.accepted()).toHaveLength(40);
    expect(
      busiestWindow(
        pagerDuty.received.map((r) => r.receivedAt),
        rateLimit.windowMs,
      ),
    ).toBeLessThanOrEqual(rateLimit.events);
  });

  it('slows the whole sender down after 429s when configured faster than the key allows, and still delivers everything', async () => {
    const { pagerDuty, sender, lines } = await setup(
      { rateLimit: { events: 5, windowMs: 1_000 } },
      { maxEventsPerMinute: 1_200, retries: 5, retryMinDelayMs: 50 },
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
