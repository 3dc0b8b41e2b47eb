import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../../src/source/source-read-error.js';
import { createRestSource } from '../../../../src/iiq/rest/rest-source.js';
import type { Identity } from '../../../../src/source/identity-source.js';
import { testIiqClient } from '../../../helpers/iiq-client.js';
import { iiqFixture } from '../../../helpers/iiq-fixtures.js';
import { useMswServer } from '../../../helpers/msw.js';

const BASE = 'https://iiq.test/identityiq';
const server = useMswServer();

function source(pageSize = 2) {
  const client = testIiqClient(BASE, { retries: 3 });
  return { client, source: createRestSource(client, pageSize) };
}

const rawIdentity = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `id${n}`,
  name: `user${n}`,
  displayName: `User ${n}`,
  inactive: true,
  attributes: { hrTerminationDate: '2026-11-20' },
  ...extra,
});

async function listAll(pageSize = 2): Promise<Identity[]> {
  const all: Identity[] = [];
  for await (const page of source(pageSize).source.listInactiveIdentities()) all.push(...page);
  return all;
}

function serveIdentities(total: number, cap = Infinity) {
  const seen: string[] = [];
  server.use(
    http.get(`${BASE}/rest/identities`, ({ request }) => {
      const url = new URL(request.url);
      seen.push(url.search);
      const start = Number(url.searchParams.get('start'));
      const limit = Math.min(Number(url.searchParams.get('limit')), cap);
      const objects = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => rawIdentity(start + i));
      return HttpResponse.json({ count: total, objects });
    }),
  );
  return seen;
}

describe('REST source: listing', () => {
  it('reads the fixture page as the REST resource sends it', async () => {
    server.use(http.get(`${BASE}/rest/identities`, () => HttpResponse.json(iiqFixture('rest-identities-page'))));
    expect(await listAll()).toEqual([
      {
        id: '2c9091d7712f5a4a01712f5c1e2a0001',
        name: 'jdoe',
        displayName: 'Jane Doe',
        inactive: true,
        attributes: { hrTerminationDate: '2026-11-20', risk_tier: 'privileged' },
      },
    ]);
  });

  it('pages with start/limit until count, filtered on inactive, with Basic auth', async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${BASE}/rest/identities`, ({ request }) => {
        authorization = request.headers.get('authorization');
        const start = Number(new URL(request.url).searchParams.get('start'));
        const objects = [rawIdentity(start), rawIdentity(start + 1)].filter((o) => Number(o.id.slice(2)) < 5);
        return HttpResponse.json({ count: 5, objects });
      }),
    );
    const identities = await listAll();
    expect(identities.map((i) => i.id)).toEqual(['id0', 'id1', 'id2', 'id3', 'id4']);
    expect(authorization).toBe(`Basic ${Buffer.from('watchdog:s3cret-pw').toString('base64')}`);
  });

  it('advances by what came back when the server caps the page size', async () => {
    const seen = serveIdentities(7, 3);
    expect((await listAll(5)).length).toBe(7);
    expect(seen).toEqual([
      '?filter=inactive==true&start=0&limit=5',
      '?filter=inactive==true&start=3&limit=5',
      '?filter=inactive==true&start=6&limit=5',
    ]);
  });

  it('maps identities: missing displayName falls back to name, inactive false is kept', async () => {
    server.use(
      http.get(`${BASE}/rest/identities`, () =>
        HttpResponse.json({
          count: 2,
          objects: [rawIdentity(1, { displayName: null, attributes: null }), rawIdentity(2, { inactive: false })],
        }),
      ),
    );
    const [first, second] = await listAll();
    expect(first).toEqual({ id: 'id1', name: 'user1', displayName: 'user1', inactive: true, attributes: {} });
    expect(second?.inactive).toBe(false);
  });

  it.each([
    [
      'a repeated page',
      () => HttpResponse.json({ count: 10, objects: [rawIdentity(1), rawIdentity(2)] }),
      /pagination loop: the page at 2 repeats id id1/,
    ],
    ['an empty page before count', () => HttpResponse.json({ count: 10, objects: [] }), /listing ended after 0 of 10 announced/],
    ['a schema mismatch', () => HttpResponse.json({ count: 1, objects: [{ name: 'x' }] }), /unexpected shape: objects\.0\.id/],
    [
      'the HTML login page',
      () => new HttpResponse('<html><body>Login</body></html>', { headers: { 'content-type': 'text/html' } }),
      /HTML page instead of JSON.*IIQ_USERNAME\/IIQ_PASSWORD/,
    ],
    ['a 401', () => new HttpResponse(null, { status: 401 }), /refused the credentials: HTTP 401; check IIQ_USERNAME\/IIQ_PASSWORD/],
    ['a 500 every time', () => HttpResponse.json({ message: 'boom' }, { status: 500 }), /HTTP 500 \(boom\) \(after 4 attempts\)/],
    [
      'truncated JSON',
      () => new HttpResponse('{"count": 3, "objects": [', { headers: { 'content-type': 'application/json' } }),
      /invalid or truncated JSON/,
    ],
  ])('fails clearly on %s', async (_name, respond, message) => {
    server.use(http.get(`${BASE}/rest/identities`, respond));
    const error = await listAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret-pw');
  });

  it('retries a 503 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/rest/identities`, () => {
        calls += 1;
        return calls === 1
          ? new HttpResponse(null, { status: 503, headers: { 'retry-after': '0' } })
          : HttpResponse.json({ count: 1, objects: [rawIdentity(1)] });
      }),
    );
    expect((await listAll()).length).toBe(1);
    expect(calls).toBe(2);
  });
});

describe('REST source: links', () => {
  const jane: Identity = { id: 'id1', name: "o'brien é", displayName: 'Jane', inactive: true, attributes: {} };

  it('reads {count, objects}, url-encodes the name, maps disabled', async () => {
    let path = '';
    server.use(
      http.get(`${BASE}/rest/identities/:name/links`, ({ request }) => {
        path = new URL(request.url).pathname;
        // Enabled, disabled, and one with no `disabled` at all (unknown, never taken as disabled).
        return HttpResponse.json(iiqFixture('rest-links'));
      }),
    );
    expect(await source().source.fetchAccounts(jane)).toEqual({
      kind: 'accounts',
      accounts: [
        { application: 'Active Directory', status: 'enabled' },
        { application: 'SAP', status: 'disabled' },
        { application: 'GitHub', status: 'unknown' },
      ],
    });
    expect(path).toBe(`/identityiq/rest/identities/${encodeURIComponent("o'brien é")}/links`);
  });

  it('accepts a bare array', async () => {
    server.use(http.get(`${BASE}/rest/identities/:name/links`, () => HttpResponse.json([{ application: 'AD', disabled: false }])));
    expect(await source().source.fetchAccounts(jane)).toEqual({ kind: 'accounts', accounts: [{ application: 'AD', status: 'enabled' }] });
  });

  it('takes 404 as the identity no longer existing', async () => {
    server.use(http.get(`${BASE}/rest/identities/:name/links`, () => HttpResponse.json({ message: 'not found' }, { status: 404 })));
    // The links 404 is confirmed on the identity itself: IIQ's JSON 404 there too.
    server.use(http.get(`${BASE}/rest/identities/:name`, () => HttpResponse.json({ message: 'not found' }, { status: 404 })));
    expect(await source().source.fetchAccounts(jane)).toEqual({ kind: 'identity-gone' });
  });

  it('fails (never "no accounts") on a 500', async () => {
    server.use(http.get(`${BASE}/rest/identities/:name/links`, () => new HttpResponse('oops', { status: 500 })));
    await expect(source().source.fetchAccounts(jane)).rejects.toThrow(/IIQ GET \/rest\/identities\/.*\/links failed: HTTP 500/);
  });
});
