/** The SCIM adapter's read of changed accounts: the filter on lastRefresh, paging, owners only, failures. */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../../src/source/source-read-error.js';
import { createScimSource } from '../../../../src/iiq/scim/scim-source.js';
import { testIiqClient } from '../../../helpers/iiq-client.js';
import { useMswServer } from '../../../helpers/msw.js';

const BASE = 'https://iiq.test/identityiq';
const ACCOUNTS = `${BASE}/scim/v2/Accounts`;
const SCIM = { 'content-type': 'application/scim+json;charset=UTF-8' };
const SINCE = new Date('2026-11-24T11:45:00.000Z');
const server = useMswServer(
  http.get(`${BASE}/scim/v2/Schemas/:id`, () =>
    HttpResponse.json(
      { attributes: ['identity', 'application', 'active', 'lastRefresh'].map((name) => ({ name })) },
      { headers: { 'content-type': 'application/scim+json' } },
    ),
  ),
);

const account = (n: number, owner: string | undefined) => ({
  schemas: ['urn:ietf:params:scim:schemas:sailpoint:1.0:Account'],
  id: `acct${n}`,
  ...(owner === undefined ? {} : { identity: { value: owner } }),
  application: { value: 'app1', displayName: 'Active Directory' },
  active: true,
});
const source = () => createScimSource(testIiqClient(BASE, { retries: 0 }), { pageSize: 2, accountsBulk: false });

/** Serves `accounts` for the lastRefresh filter, `count` at a time; records each request's query. */
function serve(accounts: ReturnType<typeof account>[], options: { ignoreStartIndex?: boolean } = {}) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get(ACCOUNTS, ({ request }) => {
      const q = new URL(request.url).searchParams;
      queries.push(q);
      const start = options.ignoreStartIndex ? 1 : Number(q.get('startIndex'));
      const count = Number(q.get('count'));
      const Resources = accounts.slice(start - 1, start - 1 + count);
      return HttpResponse.json({ totalResults: accounts.length, startIndex: start, Resources }, { headers: SCIM });
    }),
  );
  return queries;
}

describe('SCIM fetchChangedAccountOwners', () => {
  it('asks for accounts refreshed after the watermark, page by page, and returns their owners once each', async () => {
    const queries = serve([account(1, 'id-a'), account(2, 'id-b'), account(3, 'id-a'), account(4, undefined), account(5, 'id-c')]);
    const owners = await source().fetchChangedAccountOwners!(SINCE);
    expect([...owners].sort()).toEqual(['id-a', 'id-b', 'id-c']);
    expect(queries.map((q) => [q.get('filter'), q.get('attributes'), q.get('startIndex'), q.get('count')])).toEqual([
      ['lastRefresh gt "2026-11-24T11:45:00.000Z"', 'identity,application,active', '1', '2'],
      ['lastRefresh gt "2026-11-24T11:45:00.000Z"', 'identity,application,active', '3', '2'],
      ['lastRefresh gt "2026-11-24T11:45:00.000Z"', 'identity,application,active', '5', '2'],
    ]);
  });

  it('no change: one request, an empty set', async () => {
    const queries = serve([]);
    expect((await source().fetchChangedAccountOwners!(SINCE)).size).toBe(0);
    expect(queries).toHaveLength(1);
  });

  it('a repeated account (the set grew while paging) is harmless; a page of nothing new is a paging loop', async () => {
    const repeating = [account(1, 'id-a'), account(2, 'id-b'), account(2, 'id-b'), account(3, 'id-c')];
    serve(repeating);
    expect([...(await source().fetchChangedAccountOwners!(SINCE))].sort()).toEqual(['id-a', 'id-b', 'id-c']);
    serve([account(1, 'id-a'), account(2, 'id-b'), account(3, 'id-c')], { ignoreStartIndex: true });
    await expect(source().fetchChangedAccountOwners!(SINCE)).rejects.toThrow(/pagination loop/);
  });

  it('an error answer is a SourceReadError', async () => {
    server.use(http.get(ACCOUNTS, () => HttpResponse.json({ status: '500' }, { status: 500, headers: SCIM })));
    await expect(source().fetchChangedAccountOwners!(SINCE)).rejects.toBeInstanceOf(SourceReadError);
  });
});
