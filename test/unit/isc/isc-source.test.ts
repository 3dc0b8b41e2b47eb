/** The ISC adapter through msw: searchAfter paging past 10,000, accounts by offset, id: lookups, schema at the edge. */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/source/identity-source.js';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { SEARCH_INCLUDES, leaverQuery } from '../../../src/isc/isc-source.js';
import { useMswServer } from '../../helpers/msw.js';
import { BASE, iscClient } from '../../helpers/isc-msw.js';

const server = useMswServer(
  http.post(`${BASE}/oauth/token`, () => HttpResponse.json({ access_token: 'tok', token_type: 'bearer', expires_in: 720 })),
);

interface SearchCall {
  limit: string | null;
  offset: string | null;
  body: Record<string, any>;
}

/** ISC's search over `docs`: sort by id, searchAfter, server cap 250, offset + limit ≤ 10,000. */
function serveSearch(docs: Record<string, unknown>[]): SearchCall[] {
  const calls: SearchCall[] = [];
  const sorted = [...docs].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  server.use(
    http.post(`${BASE}/v3/search`, async ({ request }) => {
      const url = new URL(request.url);
      const body = (await request.json()) as Record<string, any>;
      calls.push({ limit: url.searchParams.get('limit'), offset: url.searchParams.get('offset'), body });
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 250), 250);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (offset + limit > 10_000)
        return HttpResponse.json(
          { detailCode: '400.1 Bad request content', trackingId: 't', messages: [{ locale: 'en-US', text: 'invalid' }] },
          { status: 400 },
        );
      const idQuery = /^id:(\S+)$/.exec(body.query.query)?.[1];
      let list = idQuery === undefined ? sorted : sorted.filter((d) => d.id === idQuery);
      if (body.searchAfter) list = list.filter((d) => String(d.id) > body.searchAfter[0]);
      return HttpResponse.json(list.slice(offset, offset + limit));
    }),
  );
  return calls;
}

const doc = (i: number, state = 'inactive', accounts: unknown[] = []) => ({
  id: `id-${String(i).padStart(6, '0')}`,
  name: `user${i}`,
  displayName: `User ${i}`,
  attributes: { cloudLifecycleState: state, endDate: '2026-11-20T00:00:00Z' },
  accounts,
});

async function listAll(source: ReturnType<typeof iscClient>['source']): Promise<Identity[]> {
  const all: Identity[] = [];
  for await (const page of source.listInactiveIdentities()) all.push(...page);
  return all;
}

describe('ISC search listing', () => {
  it('pages past 10,000 leavers with searchAfter over sort ["id"], never with an offset', async () => {
    const calls = serveSearch(Array.from({ length: 10_300 }, (_, i) => doc(i)));
    const listed = await listAll(iscClient().source);
    expect(listed).toHaveLength(10_300);
    expect(new Set(listed.map((i) => i.id)).size).toBe(10_300);
    expect(calls).toHaveLength(42); // 41 pages of 250 and a short one of 50
    expect(calls.every((c) => c.offset === null && c.limit === '250')).toBe(true);
    expect(calls[0]?.body).toEqual({
      indices: ['identities'],
      query: { query: 'attributes.cloudLifecycleState:(inactive)' },
      queryResultFilter: { includes: SEARCH_INCLUDES },
      sort: ['id'],
    });
    expect(calls[1]?.body.searchAfter).toEqual(['id-000249']);
    expect(calls[41]?.body.searchAfter).toEqual(['id-010249']);
  });

  it('stops after a short page; an exact multiple of the page size ends with an empty page', async () => {
    const calls = serveSearch(Array.from({ length: 4 }, (_, i) => doc(i)));
    expect(await listAll(iscClient({ pageSize: 2 }).source)).toHaveLength(4);
    expect(calls.map((c) => c.body.searchAfter ?? null)).toEqual([null, ['id-000001'], ['id-000003']]);
  });

  it('names each lifecycle state as written and in lower case; the document state is compared without regard to case', async () => {
    expect(leaverQuery(['inactive', 'Terminated'])).toBe('attributes.cloudLifecycleState:(inactive OR Terminated OR terminated)');
    serveSearch([doc(1, 'TERMINATED'), doc(2, 'active')]);
    const listed = await listAll(iscClient({ lifecycleStates: ['inactive', 'Terminated'] }).source);
    expect(listed.map((i) => [i.name, i.inactive])).toEqual([
      ['user1', true],
      ['user2', false],
    ]);
  });

  it('turns a document into an Identity at the edge: attributes, and the applications not shown disabled', async () => {
    serveSearch([
      doc(1, 'inactive', [
        { id: 'a1', name: 'jdoe', source: { id: 's1', name: 'Active Directory' }, disabled: false },
        { id: 'a2', name: 'jdoe', source: { id: 's2', name: 'Workday' }, disabled: true },
        { id: 'a3', name: 'jdoe', source: { id: 's3', name: 'Salesforce' } },
      ]),
    ]);
    const [identity] = await listAll(iscClient().source);
    expect(identity).toEqual({
      id: 'id-000001',
      name: 'user1',
      displayName: 'User 1',
      inactive: true,
      attributes: { cloudLifecycleState: 'inactive', endDate: '2026-11-20T00:00:00Z' },
      listedNotDisabledApplications: ['Active Directory', 'Salesforce'],
    });
  });

  it('a document without a name is a failed read naming the field', async () => {
    serveSearch([{ id: 'x', attributes: {} }]);
    await expect(listAll(iscClient().source)).rejects.toThrow(/^ISC POST \/v3\/search answered an unexpected shape: 0\.name/);
  });

  it('a server that ignores searchAfter (repeats a page) stops the listing as a failed read', async () => {
    server.use(http.post(`${BASE}/v3/search`, () => HttpResponse.json([doc(1), doc(2)])));
    await expect(listAll(iscClient({ pageSize: 2 }).source)).rejects.toThrow(
      /paging loop: the page after id-000002 repeats identity id-000001/,
    );
  });
});

describe('ISC accounts', () => {
  const account = (i: number, disabled: boolean | undefined, identityId = 'id-1') => ({
    id: `acc-${i}`,
    name: `acc${i}`,
    sourceName: i % 2 ? 'Active Directory' : 'Salesforce',
    identityId,
    uncorrelated: false,
    ...(disabled === undefined ? {} : { disabled }),
  });

  it('reads /v3/accounts by identityId, paged by offset until a short page; disabled true/false/absent', async () => {
    const offsets: string[] = [];
    const all = [
      account(1, false),
      account(2, true),
      account(3, undefined),
      ...Array.from({ length: 300 }, (_, i) => account(10 + i, true)),
    ];
    server.use(
      http.get(`${BASE}/v3/accounts`, ({ request }) => {
        const url = new URL(request.url);
        expect(url.searchParams.get('filters')).toBe('identityId eq "id-1"');
        expect(url.searchParams.get('limit')).toBe('250');
        const offset = Number(url.searchParams.get('offset'));
        offsets.push(String(offset));
        return HttpResponse.json(all.slice(offset, offset + 250));
      }),
    );
    const read = await iscClient().source.fetchAccounts({ id: 'id-1', name: 'u', displayName: 'U', inactive: true, attributes: {} });
    expect(offsets).toEqual(['0', '250']);
    expect(read.kind === 'accounts' && read.accounts.slice(0, 3)).toEqual([
      { application: 'Active Directory', status: 'enabled' },
      { application: 'Salesforce', status: 'disabled' },
      { application: 'Active Directory', status: 'unknown' },
    ]);
    expect(read.kind === 'accounts' && read.accounts).toHaveLength(303);
  });

  it('an account of another identity means the filter was not applied: a failed read', async () => {
    server.use(http.get(`${BASE}/v3/accounts`, () => HttpResponse.json([account(1, true, 'someone-else')])));
    const error = await iscClient()
      .source.fetchAccounts({ id: 'id-1', name: 'u', displayName: 'U', inactive: true, attributes: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(/answered an account of identity someone-else when asked for id-1/);
  });
});

describe('ISC lookup of an identity no longer listed', () => {
  it('no document = gone; a state outside lifecycleStates = found, no longer inactive; otherwise still inactive', async () => {
    const calls = serveSearch([doc(1, 'active'), doc(2, 'inactive')]);
    const { source } = iscClient();
    expect(await source.lookupIdentity({ id: 'id-000009', name: 'user9' })).toEqual({ kind: 'gone' });
    const reactivated = await source.lookupIdentity({ id: 'id-000001', name: 'user1' });
    expect(reactivated.kind === 'found' && reactivated.identity.inactive).toBe(false);
    const still = await source.lookupIdentity({ id: 'id-000002', name: 'user2' });
    expect(still.kind === 'found' && still.identity.inactive).toBe(true);
    expect(calls[0]?.body.query).toEqual({ query: 'id:id-000009' });
  });

  it('a failed lookup throws: never "gone" on a failed read', async () => {
    server.use(
      http.post(`${BASE}/v3/search`, () =>
        HttpResponse.json({ detailCode: '500', trackingId: 't', messages: [{ text: 'down' }] }, { status: 500 }),
      ),
    );
    await expect(iscClient().source.lookupIdentity({ id: 'id-1', name: 'u' })).rejects.toBeInstanceOf(SourceReadError);
  });
});
