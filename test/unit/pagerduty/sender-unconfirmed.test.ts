/** Whether a failed delivery may have reached PagerDuty (`unconfirmed`), on real loopback sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDutyOptions } from '../../../src/sandbox/fake-pagerduty.js';
import { createDispatcher } from '../../../src/http/dispatcher.js';
import { createLogger } from '../../../src/log.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { createPagerDutySender } from '../../../src/pagerduty/sender.js';
import { Redactor, Secret } from '../../../src/secrets.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

const event: PagerDutyEvent = {
  event_action: 'trigger',
  dedup_key: 'iiq-leaver-sla-0001',
  payload: { summary: 'breach', source: 'iiq.test', severity: 'warning' },
} as PagerDutyEvent;

async function senderFor(fake: FakePagerDutyOptions, closeFirst = false) {
  const pagerDuty = await startFakePagerDuty(fake);
  const dispatcher = createDispatcher({ connections: 2, timeoutMs: 300 });
  cleanups.push(() => dispatcher.destroy());
  // A closed port: the connection is refused, so the event never left.
  if (closeFirst) await pagerDuty.close();
  else cleanups.push(() => pagerDuty.close());
  return createPagerDutySender({
    eventsUrl: pagerDuty.url,
    routingKey: new Secret('R0UT1NGKEYTEST000000000000000000'),
    retries: 1,
    retryMinDelayMs: 0,
    maxEventsPerMinute: 600_000,
    concurrency: 2,
    timeoutMs: 300,
    dispatcher,
    logger: createLogger('fatal', new Redactor(), { write: () => undefined }),
  });
}

describe('sender: unconfirmed deliveries', () => {
  it('a refused connection is not unconfirmed: nothing was sent', async () => {
    const sender = await senderFor({}, true);
    const result = await sender.send(event);
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(result).not.toHaveProperty('unconfirmed');
  });

  it('an answer that never comes after the body was sent is unconfirmed, even when a later attempt gets a 500', async () => {
    const sender = await senderFor({ respond: (_, index) => (index === 0 ? { status: 202, hang: true } : { status: 500 }) });
    expect(await sender.send(event)).toMatchObject({ ok: false, attempts: 2, error: 'HTTP 500', unconfirmed: true });
  });

  it('a plain 500 is not unconfirmed: PagerDuty answered', async () => {
    const sender = await senderFor({ respond: () => ({ status: 500 }) });
    const result = await sender.send(event);
    expect(result).toMatchObject({ ok: false, error: 'HTTP 500' });
    expect(result).not.toHaveProperty('unconfirmed');
  });
});
