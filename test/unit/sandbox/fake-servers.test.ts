import { describe, it, expect } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIdentity } from '../../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty } from '../../../src/sandbox/fake-pagerduty.js';
import { waitFor } from '../../helpers/child.js';
import { NOW } from '../../helpers/clock.js';

const BASIC = `Basic ${Buffer.from('watchdog:demo-password').toString('base64')}`;
const EXT = 'urn:ietf:params:scim:schemas:sailpoint:1.0:User';
const KEY = 'k'.repeat(32);

async function getJson(url: string, auth = BASIC): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(url, { headers: { authorization: auth } });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') ? JSON.parse(text) : text };
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const trigger = (dedup: string) => ({
  routing_key: KEY,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary: 'Leaver SLA breach', source: 'iiq.example.com', severity: 'warning' },
});

function tiny(): FakeIdentity[] {
  return [
    {
      id: 'id-a',
      name: "jane.o'brien",
      displayName: "Jane O'Brien",
      inactive: true,
      attributes: { risk_tier: 'privileged' },
      links: [
        { id: 'l1', application: 'Active Directory', nativeIdentity: 'CN=Jane', displayName: 'jane', disabled: false, locked: false },
        { id: 'l2', application: 'Salesforce', nativeIdentity: 'jane@x', displayName: 'jane' },
      ],
    },
    { id: 'id-b', name: 'bob', displayName: 'Bob', inactive: false, attributes: {}, links: [] },
  ];
}

describe('fake IIQ', () => {
  it('pages REST identities by what came back, honouring the filter and the server cap', async () => {
    const iiq = await startFakeIiq({
      identities: generatePopulation({ count: 25, accountsPerIdentity: 2, breachingFraction: 0.2, now: NOW }),
      maxPageSize: 10,
    });
    try {
      iiq.identities[3]!.inactive = false;
      const names: string[] = [];
      for (let start = 0; ;) {
        const { body } = await getJson(`${iiq.url}/rest/identities?filter=inactive==true&start=${start}&limit=100`);
        expect(body.count).toBe(24);
        expect(body.objects.length).toBeLessThanOrEqual(10);
        if (body.objects.length === 0) break;
        names.push(...body.objects.map((o: any) => o.name));
        expect(Object.keys(body.objects[0]).sort()).toEqual(['attributes', 'displayName', 'id', 'inactive', 'name']);
        start += body.objects.length as number;
        if (start >= body.count) break;
      }
      expect(names).toHaveLength(24);
      expect(names).not.toContain(iiq.identities[3]!.name);
      expect((await getJson(`${iiq.url}/rest/identities`)).body.count).toBe(25);
    } finally {
      await iiq.close();
    }
  });

  it('serves links by url-encoded name, 404 for an unknown one, and sees identities replaced between cycles', async () => {
    const iiq = await startFakeIiq({ identities: tiny() });
    try {
      const ok = await getJson(`${iiq.url}/rest/identities/${encodeURIComponent("jane.o'brien")}/links`);
      expect(ok.status).toBe(200);
      expect(ok.body.count).toBe(2);
      expect(ok.body.objects[0]).toMatchObject({ application: 'Active Directory', disabled: false });
      const missing = await getJson(`${iiq.url}/rest/identities/nobody/links`);
      expect(missing).toMatchObject({ status: 404, body: { message: 'not found' } });
      iiq.identities = iiq.identities.filter((i) => i.name !== "jane.o'brien");
      expect((await getJson(`${iiq.url}/rest/identities/jane.o'brien/links`)).status).toBe(404);
    } finally {
      await iiq.close();
    }
  });

  it('pages SCIM Users and Accounts (1-based, no itemsPerPage) and projects attributes', async () => {
    const identities = generatePopulation({ count: 12, accountsPerIdentity: 3, breachingFraction: 0.5, now: NOW });
    const iiq = await startFakeIiq({ identities, maxPageSize: 5 });
    try {
      const seen: any[] = [];
      for (let startIndex = 1; ;) {
        const { body, type } = await getJson(
          `${iiq.url}/scim/v2/Users?filter=${encodeURIComponent('active eq false')}&startIndex=${startIndex}&count=50`,
        );
        expect(type).toContain('application/scim+json');
        expect(body).not.toHaveProperty('itemsPerPage');
        expect(body.startIndex).toBe(startIndex);
        if (body.Resources.length === 0) break;
        seen.push(...body.Resources);
        startIndex += body.Resources.length as number;
        if (startIndex > body.totalResults) break;
      }
      expect(seen).toHaveLength(12);
      expect(seen[0]).toMatchObject({ userName: identities[0]!.name, active: false, [EXT]: { risk_tier: expect.any(String) } });

      const id = identities[1]!.id;
      const accounts = await getJson(
        `${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent(`identity.value eq "${id}"`)}&attributes=active,application.displayName`,
      );
      expect(accounts.body.totalResults).toBe(3);
      expect(accounts.body.Resources[0]).toEqual({
        schemas: expect.any(Array),
        id: expect.any(String),
        active: expect.any(Boolean),
        application: { displayName: expect.any(String) },
      });

      const bulk = await getJson(`${iiq.url}/scim/v2/Accounts?startIndex=31&count=1000`);
      expect(bulk.body).toMatchObject({ totalResults: 36, startIndex: 31 });
      expect(bulk.body.Resources).toHaveLength(5);
    } finally {
      await iiq.close();
    }
  });

  it('omits active when IIQ does not say, rejects unsupported filters with invalidFilter, and 500s on active', async () => {
    const iiq = await startFakeIiq({ identities: tiny() });
    try {
      const { body } = await getJson(`${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent('identity.value eq "id-a"')}`);
      expect(body.Resources[0]).toMatchObject({ active: true, locked: false, identity: { value: 'id-a', userName: "jane.o'brien" } });
      expect(body.Resources[1]).not.toHaveProperty('active');
      const bad = await getJson(`${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent('lastLogin gt "2020"')}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        scimType: 'invalidFilter',
        detail: expect.any(String),
        status: '400',
      });
      expect((await getJson(`${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent('active eq true')}`)).status).toBe(500);
      const byApp = await getJson(`${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent('application.displayName eq "Salesforce"')}`);
      expect(byApp.body.totalResults).toBe(1);
    } finally {
      await iiq.close();
    }
  });

  it('answers 401 with the HTML login page (REST) or a SCIM error (SCIM)', async () => {
    const iiq = await startFakeIiq({ identities: tiny() });
    try {
      const rest = await getJson(`${iiq.url}/rest/identities`, `Basic ${Buffer.from('watchdog:wrong').toString('base64')}`);
      expect(rest.status).toBe(401);
      expect(rest.type).toContain('text/html');
      expect(rest.body).toMatch(/<html>.*login/i);
      const scim = await getJson(`${iiq.url}/scim/v2/Users`, '');
      expect(scim).toMatchObject({ status: 401, body: { status: '401' } });
      expect((await getJson(`${iiq.url}/nowhere`)).status).toBe(404);
    } finally {
      await iiq.close();
    }
  });

  it('issues OAuth client_credentials tokens, accepts them until they expire', async () => {
    let nowMs = 1_000_000;
    const iiq = await startFakeIiq({
      identities: tiny(),
      oauth: { clientId: 'cid', clientSecret: 'sec', tokenTtlSeconds: 0.3 },
      nowMs: () => nowMs,
    });
    const tokenRequest = (secret: string) =>
      fetch(`${iiq.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`cid:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
    try {
      expect((await tokenRequest('nope')).status).toBe(401);
      const res = await tokenRequest('sec');
      const token = (await res.json()) as any;
      expect(token).toMatchObject({ access_token: expect.any(String), token_type: 'bearer', expires_in: 0.3 });
      expect((await getJson(`${iiq.url}/scim/v2/Users`, `Bearer ${token.access_token}`)).status).toBe(200);
      expect((await getJson(`${iiq.url}/scim/v2/Users`, 'Bearer forged')).status).toBe(401);
      nowMs += 299;
      expect((await getJson(`${iiq.url}/rest/identities`, `Bearer ${token.access_token}`)).status).toBe(200);
      nowMs += 1;
      expect((await getJson(`${iiq.url}/rest/identities`, `Bearer ${token.access_token}`)).status).toBe(401);
      expect(iiq.stats.tokensIssued).toBe(1);
      expect(iiq.stats.byRoute['oauth.token']).toBe(2);
    } finally {
      await iiq.close();
    }
  });

  it('consults the fault hook before auth with per-URL attempts, and close() ends hanging requests', async () => {
    const iiq = await startFakeIiq({
      identities: tiny(),
      fault: ({ path, attempt }) =>
        path.endsWith('/Users') && attempt === 1
          ? { status: 503, body: 'busy', headers: { 'retry-after': '1' } }
          : path.endsWith('/links')
            ? { status: 0, hang: true }
            : undefined,
    });
    const first = await fetch(`${iiq.url}/scim/v2/Users`);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await getJson(`${iiq.url}/scim/v2/Users`)).status).toBe(200);
    const hanging = fetch(`${iiq.url}/rest/identities/bob/links`, { headers: { authorization: BASIC } });
    await waitFor(() => iiq.stats.inFlight === 1, 'the hanging request to reach the fake');
    // A close() that waited for the hanging request would never return: the test timeout fails it.
    await iiq.close();
    await expect(hanging).rejects.toThrow();
  });

  it('counts requests in flight (latency by timer) and resets stats', async () => {
    const iiq = await startFakeIiq({ identities: tiny(), latencyMs: 100 });
    try {
      // maxInFlight 6: the latency is a timer per request, not a queue (how fast is `npm run bench`'s concern).
      await Promise.all(Array.from({ length: 6 }, () => getJson(`${iiq.url}/rest/identities/bob/links`)));
      expect(iiq.stats).toMatchObject({ requests: 6, maxInFlight: 6, inFlight: 0, byRoute: { 'rest.links': 6 } });
      iiq.resetStats();
      expect(iiq.stats).toMatchObject({ requests: 0, maxInFlight: 0, byRoute: {} });
    } finally {
      await iiq.close();
    }
  });

  it('serves 20,000 identities × 12 links (pages and per-identity account filters)', async () => {
    const identities = generatePopulation({ count: 20_000, accountsPerIdentity: 12, breachingFraction: 0.05, now: NOW, seed: 7 });
    const iiq = await startFakeIiq({ identities });
    try {
      let total = 0;
      for (let start = 0; start < 20_000; start += 1000) {
        total += (await getJson(`${iiq.url}/rest/identities?filter=inactive==true&start=${start}&limit=1000`)).body.objects
          .length as number;
      }
      expect(total).toBe(20_000);
      // Spread across the whole population (how fast the fake answers is `npm run bench`'s concern).
      for (const ident of identities.filter((_, i) => i % 200 === 0)) {
        const { body } = await getJson(
          `${iiq.url}/scim/v2/Accounts?filter=${encodeURIComponent(`identity.value eq "${ident.id}"`)}&count=1000`,
        );
        expect(body.totalResults).toBe(12);
      }
    } finally {
      await iiq.close();
    }
  });

  it('generates a deterministic population with the requested share of breaches', () => {
    const a = generatePopulation({ count: 200, accountsPerIdentity: 5, breachingFraction: 0.25, now: NOW, seed: 3 });
    expect(generatePopulation({ count: 200, accountsPerIdentity: 5, breachingFraction: 0.25, now: NOW, seed: 3 })).toEqual(a);
    const breaching = a.filter((i) => i.links.some((l) => l.disabled === false));
    expect(breaching).toHaveLength(50);
    for (const i of breaching) {
      expect(i.attributes.hrTerminationDate).toBe('2026-11-24T02:00:00.000Z');
      expect(i.links.filter((l) => !l.disabled).length).toBeGreaterThanOrEqual(1);
      expect(i.links.filter((l) => !l.disabled).length).toBeLessThanOrEqual(3);
    }
    expect(a.every((i) => i.inactive && ['privileged', 'standard'].includes(i.attributes.risk_tier as string))).toBe(true);
    expect(new Set(a.map((i) => i.name)).size).toBe(200);
  });
});

describe('fake PagerDuty', () => {
  it('accepts a valid event with 202 and rejects invalid ones with 400 like PagerDuty', async () => {
    const pd = await startFakePagerDuty();
    try {
      const ok = await post(pd.url, trigger('iiq-leaver-sla-1'));
      expect(ok.status).toBe(202);
      expect(await ok.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'iiq-leaver-sla-1' });
      const cases: unknown[] = [
        { ...trigger('x'), routing_key: 'short' },
        { ...trigger('x'), payload: { source: 's', severity: 'warning' } },
        { ...trigger('x'), payload: { summary: 's', source: 's', severity: 'fatal' } },
        { routing_key: KEY, event_action: 'resolve' },
        { routing_key: KEY, event_action: 'snooze', dedup_key: 'x' },
        'not json',
        { ...trigger('x'), payload: { ...trigger('x').payload, custom_details: { blob: 'x'.repeat(600 * 1024) } } },
      ];
      for (const body of cases) {
        const res = await post(pd.url, body);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ errors: expect.any(Array) });
      }
      expect(pd.received).toHaveLength(1 + cases.length);
      expect(pd.received[6]!.body).toBe('not json');
      expect(pd.accepted()).toEqual([trigger('iiq-leaver-sla-1')]);
    } finally {
      await pd.close();
    }
  });

  it('answers 429 without Retry-After over the rolling window', async () => {
    let nowMs = 1_000_000;
    const pd = await startFakePagerDuty({ rateLimit: { events: 3, windowMs: 300 }, nowMs: () => nowMs });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await post(pd.url, trigger(`k${i}`))).status);
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
      const limited = await post(pd.url, trigger('k5'));
      expect(limited.headers.get('retry-after')).toBeNull();
      nowMs += 299;
      expect((await post(pd.url, trigger('k6'))).status).toBe(429);
      nowMs += 1;
      expect((await post(pd.url, trigger('k7'))).status).toBe(202);
      expect(pd.accepted().map((e) => e.dedup_key)).toEqual(['k0', 'k1', 'k2', 'k7']);
    } finally {
      await pd.close();
    }
  });

  it('lets the respond hook override answers by request index', async () => {
    const pd = await startFakePagerDuty({
      respond: (_e, index) => (index === 0 ? { status: 500, body: '{"status":"error"}' } : undefined),
    });
    try {
      expect((await post(pd.url, trigger('a'))).status).toBe(500);
      expect((await post(pd.url, trigger('a'))).status).toBe(202);
      expect(pd.received.map((r) => r.status)).toEqual([500, 202]);
    } finally {
      await pd.close();
    }
  });
});
