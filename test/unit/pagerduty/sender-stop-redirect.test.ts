/** The sender on loopback: redirects are never followed, and a stopping run starts no new attempt but keeps what was accepted. */
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../../src/sandbox/fake-http.js';
import { startFakePagerDuty, type FakePagerDutyOptions, type FakeResponse } from '../../../src/sandbox/fake-pagerduty.js';
import { createDispatcher } from '../../../src/http/dispatcher.js';
import { createLogger } from '../../../src/log.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { createPagerDutySender, type SenderOptions } from '../../../src/pagerduty/sender.js';
import { Redactor, Secret } from '../../../src/secrets.js';
import { deferred } from '../../helpers/cli-process.js';

const KEY = 'R0UT1NGKEYTEST000000000000000000';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function setup(fake: FakePagerDutyOptions, overrides: Partial<SenderOptions> = {}) {
  const pagerDuty = await startFakePagerDuty(fake);
  const dispatcher = createDispatcher({ connections: 4, timeoutMs: 5_000 });
  cleanups.push(
    () => pagerDuty.close(),
    () => dispatcher.destroy(),
  );
  const logger = createLogger('fatal', new Redactor(), { write: () => undefined });
  const sender = createPagerDutySender({
    eventsUrl: pagerDuty.url,
    routingKey: new Secret(KEY),
    retries: 3,
    retryMinDelayMs: 0,
    maxEventsPerMinute: 600_000,
    concurrency: 1,
    timeoutMs: 5_000,
    dispatcher,
    logger,
    ...overrides,
  });
  return { pagerDuty, sender };
}

async function recordingServer() {
  const bodies: string[] = [];
  const server = await listenLocal(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    bodies.push(body);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>login</html>');
  });
  cleanups.push(() => server.close());
  return { origin: `http://127.0.0.1:${server.port}`, bodies };
}

const event = (i: number): PagerDutyEvent => ({ event_action: 'resolve', dedup_key: `iiq-leaver-sla-${i}` });

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    '%i: one failed attempt naming the Location origin; the other origin gets nothing; not a PagerDuty rejection',
    async (status) => {
      const elsewhere = await recordingServer();
      const { pagerDuty, sender } = await setup({
        respond: () => ({ status, headers: { location: `${elsewhere.origin}/sso/login?token=SECRET-IN-QUERY` } }),
      });
      const result = await sender.send(event(1));
      expect(result).toEqual({
        ok: false,
        attempts: 1,
        error: `HTTP ${status}: PagerDuty URL redirected to ${elsewhere.origin}: check pagerduty.eventsUrl and the proxy`,
      });
      expect(pagerDuty.received).toHaveLength(1);
      expect(elsewhere.bodies).toEqual([]);
    },
  );

  it("a relative Location names the events URL's own origin; a missing one says so", async () => {
    const relative = await setup({ respond: () => ({ status: 302, headers: { location: '/login' } }) });
    const result = await relative.sender.send(event(1));
    expect(!result.ok && result.error).toBe(
      `HTTP 302: PagerDuty URL redirected to ${new URL(relative.pagerDuty.url).origin}: check pagerduty.eventsUrl and the proxy`,
    );
    const none = await setup({ respond: () => ({ status: 302 }) });
    const missing = await none.sender.send(event(1));
    expect(!missing.ok && missing.error).toBe(
      'HTTP 302: PagerDuty URL redirected to no Location given: check pagerduty.eventsUrl and the proxy',
    );
  });
});

describe('stopping', () => {
  it('an already stopped run sends nothing', async () => {
    const { pagerDuty, sender } = await setup({});
    const stop = new AbortController();
    stop.abort('SIGTERM');
    expect(await sender.send(event(1), stop.signal)).toEqual({
      ok: false,
      attempts: 0,
      error: 'not sent: the run is stopping (SIGTERM)',
      stopped: true,
    });
    expect(pagerDuty.received).toEqual([]);
  });

  it('an attempt in flight when the stop comes is answered and counts as delivered; queued events never start', async () => {
    const arrived = deferred();
    const release = deferred<FakeResponse | undefined>();
    const { pagerDuty, sender } = await setup({ respond: (_e, index) => (index === 0 ? (arrived.resolve(), release.promise) : undefined) });
    const stop = new AbortController();
    const first = sender.send(event(1), stop.signal);
    const queued = sender.send(event(2), stop.signal);
    await arrived.promise;
    stop.abort('SIGTERM');
    release.resolve(undefined);
    expect(await first).toEqual({ ok: true, attempts: 1 });
    expect(await queued).toMatchObject({ ok: false, attempts: 0, stopped: true });
    expect(pagerDuty.received).toHaveLength(1);
  });

  it('a retry waiting for its backoff is given up at once when the run stops', async () => {
    const failed = deferred();
    const { pagerDuty, sender } = await setup({ respond: () => (failed.resolve(), { status: 503 }) }, { retryMinDelayMs: 600_000 });
    const stop = new AbortController();
    const result = sender.send(event(1), stop.signal);
    await failed.promise;
    stop.abort('SIGINT');
    expect(await result).toMatchObject({ ok: false, attempts: 1, stopped: true });
    expect(pagerDuty.received).toHaveLength(1);
  });
});
