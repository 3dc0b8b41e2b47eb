/** The ISC adapter's read of changed accounts: `modified gt`, sorted by modified, offset pages of 250, owners only. */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { useMswServer } from '../../helpers/msw.js';
import { BASE, iscClient } from '../../helpers/isc-msw.js';

const server = useMswServer(
  http.post(`${BASE}/oauth/token`, () => HttpResponse.json({ access_token: 'tok', token_type: 'bearer', expires_in: 720 })),
);

const SINCE = new Date('2026-11-24T11:45:00.000Z');
const item = (n: number, identityId: string | undefined) => ({
  id: `acct${String(n).padStart(5, '0')}`,
  name: `user${n}`,
  nativeIdentity: `CN=user${n}`,
  sourceId: 'src1',
  sourceName: 'Active Directory',
  ...(identityId === undefined ? {} : { identityId }),
  disabled: false,
  modified: '2026-11-24T11:50:00.000Z',
});

function serve(items: ReturnType<typeof item>[], options: { ignoreOffset?: boolean } = {}) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get(`${BASE}/v3/accounts`, ({ request }) => {
      const q = new URL(request.url).searchParams;
      queries.push(q);
      const offset = options.ignoreOffset ? 0 : Number(q.get('offset'));
      return HttpResponse.json(items.slice(offset, offset + Number(q.get('limit'))));
    }),
  );
  return queries;
}

describe('ISC fetchChangedAccountOwners', () => {
  it('asks for accounts modified after the watermark, sorted by modified, 250 a page, and returns their owners', async () => {
    const items = Array.from({ length: 300 }, (_, n) => item(n, n === 299 ? undefined : `id-${n % 100}`));
    const queries = serve(items);
    const owners = await iscClient().source.fetchChangedAccountOwners!(SINCE);
    expect(owners.size).toBe(100);
    expect(queries.map((q) => [q.get('filters'), q.get('sorters'), q.get('limit'), q.get('offset')])).toEqual([
      ['modified gt 2026-11-24T11:45:00.000Z', 'modified', '250', '0'],
      ['modified gt 2026-11-24T11:45:00.000Z', 'modified', '250', '250'],
    ]);
  });

  it('a server ignoring the offset is a paging loop; an error answer a SourceReadError', async () => {
    serve(
      Array.from({ length: 260 }, (_, n) => item(n, 'id-a')),
      { ignoreOffset: true },
    );
    await expect(iscClient().source.fetchChangedAccountOwners!(SINCE)).rejects.toThrow(/paging loop/);
    server.use(http.get(`${BASE}/v3/accounts`, () => HttpResponse.json({ messages: [{ text: 'boom' }] }, { status: 400 })));
    await expect(iscClient({ retries: 0 }).source.fetchChangedAccountOwners!(SINCE)).rejects.toBeInstanceOf(SourceReadError);
  });
});
