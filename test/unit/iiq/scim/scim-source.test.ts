import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../../src/source/source-read-error.js';
import { decideAccountsPlan } from '../../../../src/iiq/scim/bulk-accounts.js';
import { createScimSource } from '../../../../src/iiq/scim/scim-source.js';
import type { Identity } from '../../../../src/source/identity-source.js';
import { testIiqClient } from '../../../helpers/iiq-client.js';
import { iiqFixture } from '../../../helpers/iiq-fixtures.js';
import { useMswServer } from '../../../helpers/msw.js';

const BASE = 'https://iiq.test/identityiq';
const USERS = `${BASE}/scim/v2/Users`;
const ACCOUNTS = `${BASE}/scim/v2/Accounts`;
const EXT = 'urn:ietf:params:scim:schemas:sailpoint:1.0:User';
const SCIM = { 'content-type': 'application/scim+json;charset=UTF-8' };
/** The Account schema as IIQ 8.x serves it: `active`, no `inactive` (never ask for an undeclared attribute). */
const IIQ8_ACCOUNT_SCHEMA = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id: 'urn:ietf:params:scim:schemas:sailpoint:1.0:Account',
  name: 'Account',
  attributes: ['identity', 'application', 'nativeIdentity', 'displayName', 'uuid', 'active', 'locked'].map((name) => ({
    name,
    type: 'string',
    multiValued: false,
  })),
};
const server = useMswServer(
  http.get(`${BASE}/scim/v2/Schemas/:id`, () =>
    HttpResponse.json(IIQ8_ACCOUNT_SCHEMA, { headers: { 'content-type': 'application/scim+json' } }),
  ),
);

function source(options: { pageSize?: number; bulk?: boolean } = {}) {
  const client = testIiqClient(BASE, { retries: 1 });
  return { client, source: createScimSource(client, { pageSize: options.pageSize ?? 2, accountsBulk: options.bulk ?? false }) };
}

/** Jane's User, Account and an error exactly as IIQ 8.x sends them (test/fixtures/iiq). */
const FIXTURE_USER = iiqFixture('scim-users-page').Resources[0];
const { active: _status, ...FIXTURE_ACCOUNT } = iiqFixture('scim-accounts-page').Resources[0];
const { scimType: _type, ...FIXTURE_ERROR } = iiqFixture('scim-error-invalid-filter');

/** User n, shaped like the fixture's (the SailPoint extension carries termination date and tier). */
const user = (n: number, extra: Record<string, unknown> = {}) => ({
  ...FIXTURE_USER,
  id: `0a1b2c3d4e5f60718293a4b5c6d7e8f${n}`,
  userName: `user${n}`,
  displayName: `User ${n}`,
  [EXT]: { ...FIXTURE_USER[EXT], accounts: [{ value: `acc${n}`, displayName: `user${n}` }] },
  meta: { ...FIXTURE_USER.meta, location: `${USERS}/${n}` },
  ...extra,
});
/** An Account shaped like the fixture's, with `status` its active / inactive (or neither). */
const account = (id: string, owner: string, application: string, status: Record<string, unknown>) => ({
  ...FIXTURE_ACCOUNT,
  id,
  identity: { ...FIXTURE_ACCOUNT.identity, value: owner },
  application: { value: `app-${application}`, displayName: application },
  ...status,
});
const list = (totalResults: number, startIndex: number, Resources: unknown[]) =>
  HttpResponse.json(
    { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults, startIndex, Resources },
    { headers: SCIM },
  );
const scimError = (status: number, detail: string, scimType?: string) =>
  HttpResponse.json({ ...FIXTURE_ERROR, ...(scimType ? { scimType } : {}), detail, status: String(status) }, { status, headers: SCIM });

/** Serves `all` users with `cap` as the server's page limit; records the queries. */
function serveUsers(all: unknown[], cap = 1000): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  server.use(
    http.get(USERS, ({ request }) => {
      const q = new URL(request.url).searchParams;
      seen.push(q);
      const start = Number(q.get('startIndex'));
      const count = Math.min(Number(q.get('count')), cap);
      return list(all.length, start, all.slice(start - 1, start - 1 + count));
    }),
  );
  return seen;
}

async function listAll(src = source().source): Promise<Identity[]> {
  const out: Identity[] = [];
  for await (const page of src.listInactiveIdentities()) out.push(...page);
  return out;
}

const identity = (id: string): Identity => ({ id, name: 'jdoe', displayName: 'Jane Doe', inactive: true, attributes: {} });

describe('SCIM Users listing', () => {
  it('reads the fixtures as IIQ 8.x sends them: a Users page, the Accounts of one identity, an Error with status "400"', async () => {
    server.use(
      http.get(USERS, () => HttpResponse.json(iiqFixture('scim-users-page'), { headers: SCIM })),
      http.get(ACCOUNTS, () => HttpResponse.json(iiqFixture('scim-accounts-page'), { headers: SCIM })),
    );
    const identities = await listAll();
    expect(identities.map((i) => [i.name, i.displayName, i.inactive, i.attributes.risk_tier])).toEqual([
      ['jdoe', 'Jane Doe', true, 'privileged'],
      ['jsmith', 'John Smith', true, 'standard'],
    ]);
    expect(await source().source.fetchAccounts(identities[0]!)).toEqual({
      kind: 'accounts',
      accounts: [
        { application: 'Active Directory', status: 'enabled' },
        { application: 'Salesforce', status: 'disabled' },
      ],
    });
    server.use(http.get(USERS, () => HttpResponse.json(iiqFixture('scim-error-invalid-filter'), { status: 400, headers: SCIM })));
    await expect(listAll()).rejects.toThrow('IIQ GET /scim/v2/Users failed: HTTP 400 (invalidFilter: Invalid filter: active eq false)');
  });

  it('filters active eq false (URL-encoded), pages by startIndex/count without itemsPerPage, maps the SailPoint extension', async () => {
    const seen = serveUsers([user(1), user(2), user(3)]);
    const identities = await listAll();
    expect(identities.map((i) => i.name)).toEqual(['user1', 'user2', 'user3']);
    expect(identities[0]).toMatchObject({ id: '0a1b2c3d4e5f60718293a4b5c6d7e8f1', displayName: 'User 1', inactive: true });
    expect(identities[0]?.attributes).toMatchObject({ hrTerminationDate: '2026-11-21T17:00:00.000-05:00', risk_tier: 'privileged' });
    expect(seen.map((q) => [q.get('filter'), q.get('startIndex'), q.get('count')])).toEqual([
      ['active eq false', '1', '2'],
      ['active eq false', '3', '2'],
    ]);
  });

  it('sends the filter URL-encoded', async () => {
    let raw = '';
    server.use(http.get(USERS, ({ request }) => ((raw = request.url), list(0, 1, []))));
    await listAll();
    expect(raw).toContain('filter=active%20eq%20false');
  });

  it('advances by what came back when the server caps count', async () => {
    const seen = serveUsers([user(1), user(2), user(3), user(4), user(5)], 1);
    const identities = await listAll(source({ pageSize: 3 }).source);
    expect(identities).toHaveLength(5);
    expect(seen.map((q) => q.get('startIndex'))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('stops at an empty page once the total is reached, and fails on one before it', async () => {
    server.use(
      http.get(USERS, ({ request }) =>
        new URL(request.url).searchParams.get('startIndex') === '1' ? list(4, 1, [user(1), user(2)]) : list(4, 3, []),
      ),
    );
    await expect(listAll()).rejects.toThrow(/listing ended after 2 of 4 announced; listing incomplete/);
  });

  it('accepts a ListResponse without Resources as empty', async () => {
    server.use(
      http.get(USERS, () =>
        HttpResponse.json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 }, { headers: SCIM }),
      ),
    );
    expect(await listAll()).toEqual([]);
  });

  it('fails on a repeated page (a server ignoring startIndex)', async () => {
    server.use(http.get(USERS, () => list(4, 1, [user(1), user(2)])));
    await expect(listAll()).rejects.toThrow(/pagination loop: the page at 3 repeats id 0a1b2c3d4e5f60718293a4b5c6d7e8f1/);
  });

  it('takes an active user as not inactive', async () => {
    serveUsers([user(1, { active: true })]);
    expect((await listAll())[0]?.inactive).toBe(false);
  });

  it('turns a SCIM 400 invalidFilter into a clear SourceReadError', async () => {
    server.use(http.get(USERS, () => scimError(400, 'Invalid filter: active eq false', 'invalidFilter')));
    const error = await listAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toBe('IIQ GET /scim/v2/Users failed: HTTP 400 (invalidFilter: Invalid filter: active eq false)');
  });

  it('says the credentials were refused on a SCIM 401', async () => {
    server.use(http.get(USERS, () => scimError(401, 'Authentication failed')));
    await expect(listAll()).rejects.toThrow(
      /IIQ GET \/scim\/v2\/Users refused the credentials: HTTP 401; check IIQ_USERNAME\/IIQ_PASSWORD/,
    );
  });

  it('names the field of an unexpected shape', async () => {
    server.use(http.get(USERS, () => list(1, 1, [{ id: 'x', active: false }])));
    await expect(listAll()).rejects.toThrow(/unexpected shape: Resources\.0\.userName/);
  });
});

describe('SCIM Accounts per identity', () => {
  const owner = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

  it('asks for identity.value eq "<id>" with only the needed attributes, and maps active/inactive/neither', async () => {
    const seen: URLSearchParams[] = [];
    server.use(
      http.get(ACCOUNTS, ({ request }) => {
        const q = new URL(request.url).searchParams;
        seen.push(q);
        const all = [
          account('a1', owner, 'Active Directory', { active: true }),
          account('a2', owner, 'Salesforce', { active: false }),
          account('a3', owner, 'SAP ERP', { inactive: true }),
          account('a4', owner, 'Workday', { inactive: false }),
          account('a5', owner, 'GitHub', {}),
        ];
        const start = Number(q.get('startIndex'));
        return list(all.length, start, all.slice(start - 1, start - 1 + Number(q.get('count'))));
      }),
    );
    const read = await source().source.fetchAccounts(identity(owner));
    expect(read).toEqual({
      kind: 'accounts',
      accounts: [
        { application: 'Active Directory', status: 'enabled' },
        { application: 'Salesforce', status: 'disabled' },
        { application: 'SAP ERP', status: 'disabled' },
        { application: 'Workday', status: 'enabled' },
        { application: 'GitHub', status: 'unknown' },
      ],
    });
    expect(seen[0]?.get('filter')).toBe(`identity.value eq "${owner}"`);
    // Changed: IIQ 8.x's Account schema does not declare `inactive`, so it is no longer asked for.
    expect(seen[0]?.get('attributes')).toBe('identity,application,active');
    expect(seen.map((q) => q.get('startIndex'))).toEqual(['1', '3', '5']);
  });

  it('an empty Accounts list is no accounts (not a failure, not identity-gone)', async () => {
    server.use(http.get(ACCOUNTS, () => list(0, 1, [])));
    expect(await source().source.fetchAccounts(identity(owner))).toEqual({ kind: 'accounts', accounts: [] });
  });

  it('fails when IIQ answers accounts of another identity (filter not applied)', async () => {
    server.use(http.get(ACCOUNTS, () => list(1, 1, [account('a1', 'someone-else', 'AD', { active: true })])));
    await expect(source().source.fetchAccounts(identity(owner))).rejects.toThrow(/account of identity someone-else when asked for/);
  });

  it('retries a SCIM 500 and then reports it', async () => {
    let calls = 0;
    server.use(http.get(ACCOUNTS, () => ((calls += 1), scimError(500, 'Internal Server Error'))));
    await expect(source().source.fetchAccounts(identity(owner))).rejects.toThrow(/HTTP 500 \(Internal Server Error\) \(after 2 attempts\)/);
    expect(calls).toBe(2);
  });
});

describe('SCIM Users listing read ahead (accounts in bulk)', () => {
  const nine = Array.from({ length: 9 }, (_, n) => user(n + 1));
  const names = nine.map((u) => u.userName);

  it('asks for the next pages while a page is observed, and hands out what one page after another gives', async () => {
    const asked: string[] = [];
    // The page at 3 is answered only once the pages at 5, 7 and 9 were asked for too: without
    // reading ahead they are asked for only after it, and the listing never ends.
    let openLatch: () => void = () => undefined;
    const latch = new Promise<void>((resolve) => (openLatch = resolve));
    server.use(
      http.get(USERS, async ({ request }) => {
        const start = Number(new URL(request.url).searchParams.get('startIndex'));
        asked.push(String(start));
        if (['3', '5', '7', '9'].every((at) => asked.includes(at))) openLatch();
        if (start === 3) await latch;
        return list(nine.length, start, nine.slice(start - 1, start + 1));
      }),
    );
    const listed = await listAll(source({ bulk: true }).source);
    expect(listed.map((i) => i.name)).toEqual(names);
    expect([...asked].sort()).toEqual(['1', '3', '5', '7', '9']);
  });

  it('drops the pages asked for ahead when a page comes back shorter, and goes on from where the listing stands', async () => {
    const asked: string[] = [];
    server.use(
      http.get(USERS, ({ request }) => {
        const start = Number(new URL(request.url).searchParams.get('startIndex'));
        asked.push(String(start));
        // The page at 3 is capped at one user; a page asked for at 5 before that fails the first time.
        if (start === 5 && asked.filter((at) => at === '5').length === 1) return scimError(400, 'Invalid startIndex');
        return list(nine.length, start, nine.slice(start - 1, start - 1 + (start === 3 ? 1 : 2)));
      }),
    );
    const listed = await listAll(source({ bulk: true }).source);
    expect(listed.map((i) => i.name)).toEqual(names);
    // 5 was asked for ahead and failed, but the listing went on at 4: that failure was never used.
    expect(asked.slice(0, 5)).toEqual(['1', '3', '5', '7', '9']);
    expect(asked).toContain('4');
  });

  it('fails as one page after another does, a page asked for ahead and never used leaving nothing unhandled', async () => {
    server.use(
      http.get(USERS, ({ request }) => {
        const start = Number(new URL(request.url).searchParams.get('startIndex'));
        if (start >= 3) return scimError(400, `no page at ${start}`);
        return list(nine.length, start, nine.slice(0, 2));
      }),
    );
    await expect(listAll(source({ bulk: true }).source)).rejects.toThrow('IIQ GET /scim/v2/Users failed: HTTP 400 (no page at 3)');
  });

  it('still fails on a repeated page', async () => {
    server.use(http.get(USERS, () => list(9, 1, [user(1), user(2)])));
    await expect(listAll(source({ bulk: true }).source)).rejects.toThrow(
      /pagination loop: the page at 3 repeats id 0a1b2c3d4e5f60718293a4b5c6d7e8f1/,
    );
  });
});

describe('SCIM Accounts in bulk', () => {
  const users = [user(1), user(2), user(3)];
  const ids = users.map((u) => u.id);

  it('decides by request counts', () => {
    expect(decideAccountsPlan(240_000, 20_000)).toMatchObject({ plan: 'bulk', bulkRequests: 240 });
    expect(decideAccountsPlan(5_000_000, 1_000)).toMatchObject({ plan: 'per-identity', bulkRequests: 5000 });
  });

  it('probes the total, reads every account once, and answers from the index', async () => {
    serveUsers(users);
    const all = [
      account('b1', ids[0] as string, 'Active Directory', { active: true }),
      account('b2', ids[1] as string, 'Salesforce', { active: false }),
      account('b3', ids[0] as string, 'GitHub', {}),
    ];
    const seen: URLSearchParams[] = [];
    server.use(
      http.get(ACCOUNTS, ({ request }) => {
        const q = new URL(request.url).searchParams;
        seen.push(q);
        const start = Number(q.get('startIndex'));
        return list(all.length, start, all.slice(start - 1, start - 1 + Number(q.get('count'))));
      }),
    );
    const { source: src } = source({ bulk: true });
    const listed = await listAll(src);
    const reads = await Promise.all(listed.map((i) => src.fetchAccounts(i)));
    expect(reads).toEqual([
      {
        kind: 'accounts',
        accounts: [
          { application: 'Active Directory', status: 'enabled' },
          { application: 'GitHub', status: 'unknown' },
        ],
      },
      { kind: 'accounts', accounts: [{ application: 'Salesforce', status: 'disabled' }] },
      { kind: 'accounts', accounts: [] },
    ]);
    // one count=1 probe, then one bulk page: no filter, only the needed attributes the Account schema declares
    // (changed: the probe asked for `id` and the page for `inactive`, neither declared by IIQ 8.x's Account schema)
    expect(seen.map((q) => [q.get('filter'), q.get('count'), q.get('attributes')])).toEqual([
      [null, '1', 'identity,application,active'],
      [null, '3', 'identity,application,active'],
    ]);
  });

  it('falls back to per-identity reads when IIQ holds more accounts than a per-identity pass would read', async () => {
    serveUsers([user(1)]);
    const seen: URLSearchParams[] = [];
    server.use(
      http.get(ACCOUNTS, ({ request }) => {
        const q = new URL(request.url).searchParams;
        seen.push(q);
        return q.get('filter')
          ? list(1, 1, [account('c1', ids[0] as string, 'AD', { active: true })])
          : list(5000, 1, [account('c0', 'x', 'AD', {})]);
      }),
    );
    const { source: src } = source({ bulk: true });
    const [only] = await listAll(src);
    expect(await src.fetchAccounts(only as Identity)).toEqual({ kind: 'accounts', accounts: [{ application: 'AD', status: 'enabled' }] });
    expect(seen.map((q) => q.get('filter'))).toEqual([null, `identity.value eq "${ids[0]}"`]);
  });
});
