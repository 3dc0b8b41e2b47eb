/**
 * The adapter's schemas against answers shaped like SailPoint's OpenAPI (test/fixtures/isc), and
 * the fake ISC's own answers through the same schemas, under both path sets: the fake cannot
 * drift from what the adapter accepts, and the adapter accepts what the OpenAPI allows.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIsc, type FakeIsc } from '../../../src/sandbox/fake-isc.js';
import { iscRoute, type IscApiPaths } from '../../../src/isc/api-paths.js';
import { describeIscAnswer } from '../../../src/isc/errors.js';
import { SEARCH_INCLUDES } from '../../../src/isc/isc-source.js';
import { accountPage, searchPage } from '../../../src/isc/schema.js';
import { processAccepted } from '../../../src/isc/task-result.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/isc/${name}`, import.meta.url), 'utf8'));
const leaverStates = new Set(['inactive', 'terminated']);

describe('OpenAPI-shaped fixtures parse with the adapter schemas', () => {
  it('a search page: every field beyond the few read is ignored; null displayName, source name and disabled are accepted', () => {
    const page = searchPage(leaverStates).parse(fixture('search-identities.json'));
    expect(page.map((identity) => [identity.id, identity.displayName, identity.inactive])).toEqual([
      ['3f2a9c4e5b6d7e8f90a1b2c3d4e5f607', 'Ada Lindqvist', true],
      ['7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29', 'Per.Holm', true],
    ]);
    expect(page[0]?.listedNotDisabledApplications).toEqual(['HR Nordics', 'Corporate AD']);
    // null disabled = not shown disabled; a null source name falls back to the source id.
    expect(page[1]?.listedNotDisabledApplications).toEqual(['00ff11ee22dd33cc44bb55aa66997788']);
  });

  it('an account page: disabled true/false/absent → disabled/enabled/unknown; a null sourceName falls back to sourceId', () => {
    const accounts = accountPage.parse(fixture('accounts.json'));
    expect(accounts.map((a) => [a.application, a.status])).toEqual([
      ['Corporate AD', 'enabled'],
      ['HR Nordics', 'disabled'],
      ['1122334455667788990011aabbccddee', 'unknown'],
    ]);
  });

  it('the 202 of identity processing (TaskResultResponse), and one without an id', () => {
    expect(processAccepted.parse(fixture('process-202.json'))).toEqual({ taskId: '4a5b6c7d-8e9f-4a1b-b2c3-d4e5f6071829' });
    expect(processAccepted.parse({ type: 'TASK_RESULT' })).toEqual({ taskId: undefined });
    expect(processAccepted.safeParse([]).success).toBe(false);
  });

  it('the error bodies each give a one-line message', () => {
    for (const [name, status] of [
      ['error-400.json', 400],
      ['error-401.json', 401],
      ['error-403.json', 403],
      ['error-429.json', 429],
      ['error-500.json', 500],
    ] as const) {
      const line = describeIscAnswer(status, JSON.stringify(fixture(name)), 'application/json');
      expect(line).toMatch(new RegExp(`^HTTP ${status}: \\S`));
      expect(line).not.toMatch(/\n/);
    }
  });
});

describe('the fake ISC answers parse with the same schemas', () => {
  let isc: FakeIsc;
  let token: string;
  beforeAll(async () => {
    isc = await startFakeIsc({
      identities: [
        {
          id: 'aa00000000000000000000000000000a',
          name: 'ada',
          displayName: 'Ada',
          attributes: { cloudLifecycleState: 'inactive', endDate: '2026-11-19T17:00:00Z' },
          accounts: [
            { id: 'acc-1', name: 'ada', nativeIdentity: 'CN=ada', sourceName: 'Corporate AD', disabled: false },
            { id: 'acc-2', name: 'ada', nativeIdentity: 'ada@x', sourceName: 'Mail' },
          ],
        },
      ],
      rateLimit: false,
    });
    const answer = await fetch(`${isc.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=watchdog-client&client_secret=isc-demo-secret',
    });
    token = ((await answer.json()) as { access_token: string }).access_token;
  });
  afterAll(() => isc.close());

  const send = async (apiPaths: IscApiPaths, operation: 'search' | 'listAccounts' | 'processIdentities', query: string, body?: unknown) => {
    const route = iscRoute(apiPaths, operation);
    const answer = await fetch(`${isc.url}${route.path}${query}`, {
      method: route.method,
      headers: { ...route.headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, headers: answer.headers, json: await answer.json() };
  };

  for (const apiPaths of ['v3', 'v1'] as const) {
    it(`${apiPaths}: search, accounts and processing answers parse; the paths are counted apart`, async () => {
      const search = await send(apiPaths, 'search', '?limit=250&count=true', {
        indices: ['identities'],
        query: { query: 'attributes.cloudLifecycleState:(inactive)' },
        queryResultFilter: { includes: SEARCH_INCLUDES },
        sort: ['id'],
      });
      expect(search.status).toBe(200);
      expect(search.headers.get('x-total-count')).toBe('1');
      expect(searchPage(leaverStates).parse(search.json)).toHaveLength(1);

      const accounts = await send(
        apiPaths,
        'listAccounts',
        `?filters=${encodeURIComponent('identityId eq "aa00000000000000000000000000000a"')}&limit=250&offset=0`,
      );
      expect(accounts.status).toBe(200);
      expect(accountPage.parse(accounts.json).map((a) => a.status)).toEqual(['enabled', 'unknown']);

      const processed = await send(apiPaths, 'processIdentities', '', { identityIds: ['aa00000000000000000000000000000a'] });
      expect(processed.status).toBe(202);
      expect(processAccepted.parse(processed.json).taskId).toMatch(/^[0-9a-f]{32}$/);
      expect(isc.stats.byPath[iscRoute(apiPaths, 'search').path]).toBe(1);
    });
  }

  it('the experimental v1 operation without its header: 403 as ISC answers it, nothing processed', async () => {
    const before = isc.processRequests.length;
    const answer = await fetch(`${isc.url}/identities/v1/process`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ identityIds: ['aa00000000000000000000000000000a'] }),
    });
    expect(answer.status).toBe(403);
    expect(describeIscAnswer(403, await answer.text())).toMatch(/^HTTP 403: \/identities\/v1\/process is experimental/);
    expect(isc.processRequests).toHaveLength(before);
  });

  it('the documented limits: more than 250 ids to process, limit above 250 on accounts or 10,000 on search → 400', async () => {
    const ids = Array.from({ length: 251 }, (_, i) => `id-${i}`);
    expect((await send('v3', 'processIdentities', '', { identityIds: ids })).status).toBe(400);
    expect((await send('v3', 'listAccounts', `?filters=${encodeURIComponent('identityId eq "x"')}&limit=251`)).status).toBe(400);
    const search = await send('v3', 'search', '?limit=10001', { indices: ['identities'], query: { query: 'id:x' } });
    expect(search.status).toBe(400);
    expect(describeIscAnswer(400, JSON.stringify(search.json))).toMatch(/^HTTP 400: limit must be at most 10000 \(detailCode 400\.1/);
  });

  it('the 401 without a valid token is {"error"}, the 429 is {"message"} with Retry-After', async () => {
    const unauthorized = await fetch(`${isc.url}/v3/accounts?filters=x`, { headers: { authorization: 'Bearer nope' } });
    expect(unauthorized.status).toBe(401);
    expect(Object.keys((await unauthorized.json()) as object)).toEqual(['error']);

    const limited = await startFakeIsc({ identities: [], rateLimit: { limit: 1, windowMs: 60_000 } });
    try {
      await fetch(`${limited.url}/v3/accounts`);
      const second = await fetch(`${limited.url}/v3/accounts`);
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(describeIscAnswer(429, await second.text())).toBe('HTTP 429: Rate Limit Exceeded');
    } finally {
      await limited.close();
    }
  });
});
