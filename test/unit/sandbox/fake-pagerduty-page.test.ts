/**
 * The fake PagerDuty's incidents page (GET /), read by headless Chromium: incidents by status
 * with their events, rejected requests, every received text escaped, no routing key shown.
 */
import { afterEach, expect, it } from 'vitest';
import { renderIncidentsPage } from '../../../src/sandbox/fake-pagerduty-page.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../../src/sandbox/fake-pagerduty.js';
import { dumpDom } from '../../helpers/chromium.js';

const ROUTING_KEY = 'PAGEK3YPAGEK3YPAGEK3YPAGEK3Y0000';
const HOSTILE = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
let pagerDuty: FakePagerDuty | undefined;

afterEach(async () => {
  await pagerDuty?.close();
});

async function send(event: Record<string, unknown>): Promise<number> {
  const response = await fetch(pagerDuty!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  await response.arrayBuffer();
  return response.status;
}

const trigger = (dedupKey: string, summary: string) => ({
  routing_key: ROUTING_KEY,
  event_action: 'trigger',
  dedup_key: dedupKey,
  payload: { summary, source: 'iiq.test', severity: 'error', custom_details: { identity_name: 'jdoe', note: HOSTILE } },
});

it('shows open and resolved incidents with their events, escapes what it received, never shows a routing key', async () => {
  pagerDuty = await startFakePagerDuty();
  expect(await send(trigger('k-open', `Breach ${HOSTILE}`))).toBe(202);
  expect(await send(trigger('k-done', 'Leaver SLA breach: John Smith'))).toBe(202);
  expect(await send({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'k-done' })).toBe(202);
  expect(await send({ routing_key: 'short', event_action: 'trigger', payload: {} })).toBe(400);

  const dom = await dumpDom(new URL('/', pagerDuty.url).href);
  expect(dom).toMatch(/<title>Fake PagerDuty: 1 open, 1 resolved<\/title>/); // the hostile script never ran
  expect(dom).not.toMatch(/<img|<script/i); // no element came from received text
  expect(dom).toContain('Breach &lt;img src=x onerror="document.title=\'pwned\'"&gt;&lt;script&gt;');
  expect(dom).not.toContain(ROUTING_KEY);
  const sections = [...dom.matchAll(/data-dedup-key="([^"]+)" data-status="([a-z]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
  expect(sections).toEqual(['k-open:open', 'k-done:resolved']);
  expect(dom).toMatch(
    /id="resolved">Resolved incidents \(1\)<\/h2>\s*<section[^>]*k-done[\s\S]*<td>trigger<\/td><td>202<\/td>[\s\S]*<td>resolve<\/td><td>202<\/td>/,
  );
  expect(dom).toMatch(/Rejected requests \(1\)[\s\S]*<td>400<\/td><td>trigger <\/td>/);
  // Page views are not events.
  expect(pagerDuty.received).toHaveLength(4);
}, 120_000);

it('is self-contained: no script, and nothing loaded from anywhere', () => {
  const html = renderIncidentsPage([{ receivedAt: 0, status: 202, body: trigger('k', `x ${HOSTILE}`) }], { refreshSeconds: 5 });
  expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|base)\b/i);
  expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)\s*=/i);
  expect(html).not.toMatch(/@import|url\(/i);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  expect(html).toContain('<meta http-equiv="refresh" content="5">');
});
