/** The ISC adapter under isc.apiPaths "v1": listing, accounts and the id: lookup all go to the per-resource paths. */
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { iscRoute } from '../../../src/isc/api-paths.js';
import { processAccepted } from '../../../src/isc/task-result.js';
import { useMswServer } from '../../helpers/msw.js';
import { BASE, iscClient } from '../../helpers/isc-msw.js';

const seen: { method: string; path: string; experimental: string | null }[] = [];
const record = (request: Request) => {
  const url = new URL(request.url);
  seen.push({ method: request.method, path: url.pathname, experimental: request.headers.get('x-sailpoint-experimental') });
};
const doc = { id: 'id-1', name: 'ada', displayName: 'Ada', attributes: { cloudLifecycleState: 'inactive' }, accounts: [] };
const server = useMswServer(
  http.post(`${BASE}/oauth/token`, () => HttpResponse.json({ access_token: 'tok', token_type: 'bearer', expires_in: 720 })),
  http.post(`${BASE}/search/v1`, ({ request }) => (record(request), HttpResponse.json([doc]))),
  http.get(`${BASE}/accounts/v1`, ({ request }) => (record(request), HttpResponse.json([{ id: 'a1', sourceName: 'AD', disabled: false }]))),
);
afterEach(() => {
  seen.length = 0;
});

describe('isc.apiPaths "v1"', () => {
  it('sends the listing, the account read and the lookup to /search/v1 and /accounts/v1 (neither experimental)', async () => {
    const { source } = iscClient({ apiPaths: 'v1' });
    const listed = [];
    for await (const page of source.listInactiveIdentities()) listed.push(...page);
    expect(listed.map((i) => i.id)).toEqual(['id-1']);
    expect(await source.fetchAccounts(listed[0]!)).toEqual({ kind: 'accounts', accounts: [{ application: 'AD', status: 'enabled' }] });
    expect(await source.lookupIdentity({ id: 'id-1', name: 'ada' })).toMatchObject({ kind: 'found' });
    expect(seen).toEqual([
      { method: 'POST', path: '/search/v1', experimental: null },
      { method: 'GET', path: '/accounts/v1', experimental: null },
      { method: 'POST', path: '/search/v1', experimental: null },
    ]);
  });

  it('a 403 on /accounts/v1 names the scope and user levels of listAccounts', async () => {
    server.use(http.get(`${BASE}/accounts/v1`, () => HttpResponse.json({ detailCode: '403 Forbidden', messages: [] }, { status: 403 })));
    const { source } = iscClient({ apiPaths: 'v1' });
    const error = await source
      .fetchAccounts({ id: 'id-1', name: 'ada', displayName: 'Ada', inactive: true, attributes: {} })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^ISC GET \/accounts\/v1 refused access: HTTP 403; the PAT or API client needs idn:accounts:read/,
    );
  });

  it("the client carries a route's extra headers (the experimental one) and never lets them replace the bearer token", async () => {
    let got: { experimental: string | null; authorization: string | null } | undefined;
    server.use(
      http.post(`${BASE}/identities/v1/process`, ({ request }) => {
        got = { experimental: request.headers.get('x-sailpoint-experimental'), authorization: request.headers.get('authorization') };
        return HttpResponse.json({ type: 'TASK_RESULT', id: 't-1', name: null }, { status: 202 });
      }),
    );
    const { http: client } = iscClient({ apiPaths: 'v1' });
    const route = iscRoute('v1', 'processIdentities');
    const answer = await client.postJson(route.path, { identityIds: ['id-1'] }, processAccepted, 'POST /identities/v1/process', {
      ...route.headers,
      authorization: 'Bearer smuggled',
    });
    expect(answer).toEqual({ taskId: 't-1' });
    expect(got).toEqual({ experimental: 'true', authorization: 'Bearer tok' });
  });
});
