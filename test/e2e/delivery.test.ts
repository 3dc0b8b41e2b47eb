/** Delivery end to end: the built CLI (npm run build first) against the loopback fakes, PagerDuty misbehaving. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty, type FakePagerDutyOptions, type FakeResponse } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY, JOHN_DEDUP_KEY } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLines, jsonLinesOfFile } from '../helpers/cli-logs.js';

const JANE = JANE_DEDUP_KEY;
const JOHN = JOHN_DEDUP_KEY;

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  iiq = pagerDuty = undefined;
});

/** A working folder with fakes and a config; `respond` may be swapped between cycles. */
async function scenario(
  options: {
    identities?: FakeIdentity[];
    pagerduty?: Record<string, unknown>;
    rateLimit?: FakePagerDutyOptions['rateLimit'];
    deadLetterPath?: string;
  } = {},
) {
  const dir = makeTempDir('watchdog-delivery-');
  const hooks: { respond: (event: any, index: number) => FakeResponse | undefined } = { respond: () => undefined };
  iiq = await startFakeIiq({
    identities: options.identities ?? demoIdentities(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  pagerDuty = await startFakePagerDuty({
    respond: (event, index) => hooks.respond(event, index),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const pd = pagerDuty;
  const config = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pd.url },
    {
      pagerduty: {
        eventsUrl: pd.url,
        source: 'iiq.demo.local',
        retries: 3,
        retryMinDelayMs: 10,
        maxEventsPerMinute: 600,
        renotifyMinutes: 240,
        ...options.pagerduty,
      },
      deadLetter: { path: options.deadLetterPath ?? './dead_letter.jsonl' },
    },
  );
  const file = (name: string) => join(dir, name);
  return {
    pd,
    hooks,
    run: (minutes: number) => runCli(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } }),
    lines: (name: string) => jsonLinesOfFile(file(name)),
    incidents: () => (JSON.parse(readFileSync(file('watchdog-state.json'), 'utf8')) as { incidents: Record<string, any> }).incidents,
  };
}

const logsOf = jsonLines;
const to = (key: string) => (event: any) => event.dedup_key === key;

describe('delivery through the built CLI', () => {
  it('500 ×4: one dead-letter line with attempts 4, exit 1, state not advanced; the next cycle recovers', async () => {
    const s = await scenario();
    s.hooks.respond = (event) => (to(JANE)(event) ? { status: 500, body: 'upstream failure' } : undefined);
    const first = await s.run(0);
    expect(first.code).toBe(1);
    expect(s.pd.received.filter((r) => to(JANE)(r.body)).map((r) => r.status)).toEqual([500, 500, 500, 500]);
    const letters = s.lines('dead_letter.jsonl');
    // Since 0.2 the line also carries the state change its delivery makes (replay applies it as is).
    expect(letters).toEqual([
      {
        failedAt: at(0),
        attempts: 4,
        error: 'HTTP 500',
        event: expect.objectContaining({ event_action: 'trigger', dedup_key: JANE }),
        change: expect.objectContaining({
          kind: 'incident-open',
          incident: expect.objectContaining({ dedupKey: JANE, displayName: 'Jane Doe' }),
        }),
      },
    ]);
    expect(letters[0]!.event).not.toHaveProperty('routing_key');
    expect(Object.keys(s.incidents())).toEqual([JOHN]);
    expect(s.lines('audit.jsonl').map((r) => r.dedup_key)).toEqual([JOHN]);
    expect(logsOf(first.stderr).find((l) => l.msg === 'cycle summary')?.summary).toMatchObject({ triggered: 1, deadLettered: 1 });

    s.hooks.respond = () => undefined;
    const second = await s.run(15);
    expect(second.code).toBe(0);
    expect(s.pd.accepted().filter(to(JANE))).toHaveLength(1);
    expect(s.incidents()[JANE]).toMatchObject({ firstSentAt: at(15), lastSentAt: at(15) });
    expect(s.lines('audit.jsonl').find(to(JANE))).toMatchObject({ reason: 'first breach', sent_at: at(15) });
  });

  it("400: exactly one attempt, PagerDuty's errors logged, dead-lettered", async () => {
    const s = await scenario();
    s.hooks.respond = (event) =>
      to(JANE)(event)
        ? {
            status: 400,
            body: JSON.stringify({
              status: 'invalid event',
              message: 'Event object is invalid',
              errors: ["'payload.summary' is missing or blank"],
            }),
          }
        : undefined;
    const result = await s.run(0);
    expect(result.code).toBe(1);
    expect(s.pd.received.filter((r) => to(JANE)(r.body))).toHaveLength(1);
    expect(logsOf(result.stderr).find((l) => l.msg === 'PagerDuty rejected the event: not retried')).toMatchObject({
      dedup_key: JANE,
      status: 400,
      errors: ["'payload.summary' is missing or blank"],
    });
    expect(s.lines('dead_letter.jsonl')).toEqual([
      expect.objectContaining({ attempts: 1, error: "HTTP 400 (Event object is invalid: 'payload.summary' is missing or blank)" }),
    ]);
  });

  it('429 with Retry-After: waits, then delivers; nothing dead-lettered', async () => {
    const s = await scenario();
    s.hooks.respond = (_event, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: '{"status":"throttle event"}' } : undefined;
    const result = await s.run(0);
    expect(result.code).toBe(0);
    const [throttled, ...rest] = s.pd.received;
    expect(throttled!.status).toBe(429);
    const retry = rest.find((r) => r.body.dedup_key === throttled!.body.dedup_key);
    expect(retry?.status).toBe(202);
    // retryMinDelayMs is 10: only the Retry-After explains the gap (a lower bound, never flaky).
    expect(retry!.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(990);
    expect(
      s.pd
        .accepted()
        .map((e) => e.dedup_key)
        .sort(),
    ).toEqual([JANE, JOHN]);
    expect(s.lines('dead_letter.jsonl')).toEqual([]);
  });

  it('a hanging first request times out (pagerduty.timeoutSeconds 0.5) and the retry delivers', async () => {
    const s = await scenario({ pagerduty: { timeoutSeconds: 0.5, concurrency: 1 } });
    s.hooks.respond = (_event, index) => (index === 0 ? { status: 0, hang: true } : undefined);
    const result = await s.run(0);
    expect(result.code).toBe(0);
    expect(s.pd.received.map((r) => r.status)).toEqual([0, 202, 202]);
    expect(logsOf(result.stderr).find((l) => l.msg === 'PagerDuty delivery attempt failed')?.error).toBe(
      'network error: no answer within 0.5 s (timeout)',
    );
    expect(s.lines('dead_letter.jsonl')).toEqual([]);
  });

  // The contract end to end: maxEventsPerMinute reaches the sender and holds on the real clock. 12
  // is enough (unpaced, or at the default 600 a minute, they would meet 429s); the pacing of 40
  // events is proven on a test clock in test/unit/pagerduty/sender-loopback.test.ts.
  it('a paced storm of 12 breaches under a 5/s rolling window: all delivered in the cycle, zero 429s', async () => {
    const identities = generatePopulation({ count: 12, accountsPerIdentity: 2, breachingFraction: 1, now: NOW });
    const s = await scenario({ identities, rateLimit: { events: 5, windowMs: 1_000 }, pagerduty: { maxEventsPerMinute: 240 } });
    const result = await s.run(0);
    expect(result.code).toBe(0);
    expect(s.pd.received.filter((r) => r.status === 429)).toEqual([]);
    expect(new Set(s.pd.accepted().map((e) => e.dedup_key)).size).toBe(12);
    expect(s.lines('audit.jsonl')).toHaveLength(12);
    expect(Object.keys(s.incidents())).toHaveLength(12);
  });

  it('an unwritable dead-letter path: the event goes to stderr in full (no routing key), exit 1', async () => {
    const s = await scenario({ deadLetterPath: './no-such-folder/dead_letter.jsonl' });
    s.hooks.respond = () => ({ status: 503 });
    const result = await s.run(0);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain(DEMO_ENV.PAGERDUTY_ROUTING_KEY);
    const printed = logsOf(result.stderr)
      .filter((l) => l.deadLetter)
      .map((l) => l.deadLetter);
    expect(printed.map((l) => l.event.dedup_key).sort()).toEqual([JANE, JOHN]);
    expect(printed[0]).toMatchObject({
      attempts: 4,
      error: 'HTTP 503',
      event: { payload: expect.objectContaining({ summary: expect.stringContaining('Leaver SLA breach') }) },
    });
    expect(printed[0].event).not.toHaveProperty('routing_key');
    expect(logsOf(result.stderr).some((l) => l.msg === 'dead-letter file could not be written: the event follows on stderr')).toBe(true);
  });
});
