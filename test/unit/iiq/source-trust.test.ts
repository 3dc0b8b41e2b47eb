/**
 * Source-side trust through the HTTP clients: a 404 is "gone" only when IIQ says so,
 * names travel as one path segment, lookups confirm, SCIM asks only for declared attributes,
 * and errors carry a classified form free of anything IIQ sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { encodePathSegment } from '../../../src/iiq/path-segment.js';
import { createRestSource } from '../../../src/iiq/rest/rest-source.js';
import { chooseAccountAttributes } from '../../../src/iiq/scim/account-schema.js';
import { createScimSource } from '../../../src/iiq/scim/scim-source.js';
import type { Identity } from '../../../src/source/identity-source.js';
import { Redactor } from '../../../src/secrets.js';
import { testIiqClient } from '../../helpers/iiq-client.js';
import { useMswServer } from '../../helpers/msw.js';
import { Agent } from 'undici';

const BASE = 'https://iiq.trust.test/identityiq';
const SCIM_TYPE = { 'content-type': 'application/scim+json' };
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>';
const server = useMswServer();

/** The production transport (undici's dispatch) answered by msw; a `baseUrl` of a real server gets a plain Agent. */
function client(options: { baseUrl?: string } = {}) {
  return testIiqClient(options.baseUrl ?? BASE, {
    ...(options.baseUrl ? { dispatcher: new Agent() } : {}),
  });
}
const rest = (options: Parameters<typeof client>[0] = {}) => createRestSource(client(options), 2);
const scim = () => createScimSource(client(), { pageSize: 2, accountsBulk: false });
const identity = (name: string, id = 'id1'): Identity => ({ id, name, displayName: name, inactive: true, attributes: {} });
const html404 = () => new HttpResponse(APACHE_404, { status: 404, headers: { 'content-type': 'text/html' } });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as SourceReadError,
  );

describe('REST: a 404 means "gone" only when IIQ says so', () => {
  it.each([
    ['an HTML page (Apache refusing %2F)', html404],
    ['an empty body', () => new HttpResponse(null, { status: 404 })],
    ['plain text', () => new HttpResponse('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } })],
  ])('links 404 with %s: a failed read, asked once, no lookup', async (_name, answer) => {
    let calls = 0;
    server.use(http.get(`${BASE}/rest/identities/:name/links`, () => ((calls += 1), answer())));
    const error = await errorOf(rest().fetchAccounts(identity('CORP/jdoe')));
    expect(error).toBeInstanceOf(SourceReadError);
    expect(error?.message).toMatch(/answered HTTP 404 with .*not IIQ saying the identity is gone/);
    expect(error?.classified).toBe('IIQ GET /rest/identities/CORP%2Fjdoe/links: HTTP 404 not from IIQ');
    expect(calls).toBe(1);
  });

  it('links 404 from IIQ for an identity IIQ still has (a path routed elsewhere): a failed read', async () => {
    server.use(
      http.get(`${BASE}/rest/identities/:name/links`, () => HttpResponse.json({ message: 'not found' }, { status: 404 })),
      http.get(`${BASE}/rest/identities/:name`, () => HttpResponse.json({ id: 'id1', name: 'jdoe', inactive: true, attributes: {} })),
    );
    const error = await errorOf(rest().fetchAccounts(identity('jdoe')));
    expect(error?.message).toMatch(/answered 404 for identity "jdoe", which IIQ still has/);
    expect(error?.classified).toBe('IIQ GET /rest/identities/jdoe/links: HTTP 404 for an existing identity');
  });
});

describe('REST lookupIdentity', () => {
  const serve = (answer: () => Response) => server.use(http.get(`${BASE}/rest/identities/:name`, answer));

  it.each<[string, () => Response, unknown]>([
    [
      'still inactive',
      () => HttpResponse.json({ id: 'id1', name: 'jdoe', inactive: true, attributes: { risk_tier: 'privileged' } }),
      { kind: 'found', identity: { id: 'id1', inactive: true, attributes: { risk_tier: 'privileged' } } },
    ],
    [
      'active again',
      () => HttpResponse.json({ id: 'id1', name: 'jdoe', inactive: false }),
      { kind: 'found', identity: { id: 'id1', inactive: false } },
    ],
    [
      'no `inactive` (not confirmed active): still inactive',
      () => HttpResponse.json({ id: 'id1', name: 'jdoe' }),
      { kind: 'found', identity: { inactive: true } },
    ],
    ["IIQ's JSON 404", () => HttpResponse.json({ message: 'Identity jdoe not found' }, { status: 404 }), { kind: 'gone' }],
    [
      'the name now belongs to another identity',
      () => HttpResponse.json({ id: 'id-new', name: 'jdoe', inactive: false }),
      { kind: 'gone' },
    ],
  ])('%s', async (_name, answer, expected) => {
    serve(answer);
    expect(await rest().lookupIdentity({ id: 'id1', name: 'jdoe' })).toMatchObject(expected as object);
  });

  it.each<[string, () => Response, RegExp]>([
    ['an HTML 404', html404, /HTTP 404 not from IIQ/],
    [
      'another identity under another name',
      () => HttpResponse.json({ id: 'id9', name: 'someone', inactive: true }),
      /answered another identity/,
    ],
    [
      'the listing instead of an identity',
      () => HttpResponse.json({ count: 1, objects: [{ id: 'id1', name: 'jdoe' }] }),
      /unexpected answer shape/,
    ],
    ['a 500', () => new HttpResponse('boom', { status: 500 }), /: HTTP 500$/],
  ])('%s: throws (never "gone" on a failed read)', async (_name, answer, classified) => {
    serve(answer);
    const error = await errorOf(rest().lookupIdentity({ id: 'id1', name: 'jdoe' }));
    expect(error).toBeInstanceOf(SourceReadError);
    expect(error?.classified).toMatch(classified);
  });
});

describe('identity names travel as one path segment', () => {
  it('encodes /, ? and %, and spells dot-only names %2E', () => {
    expect(['CORP/jdoe', '.', '..', '...', 'a?b#c%', 'jane.doe'].map(encodePathSegment)).toEqual([
      'CORP%2Fjdoe',
      '%2E',
      '%2E%2E',
      '%2E%2E%2E',
      'a%3Fb%23c%25',
      'jane.doe',
    ]);
  });

  it('the request goes out with the path exactly as built (a URL parser would fold %2E%2E away)', async () => {
    const seen: string[] = [];
    const wire = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"count":0,"objects":[]}');
    });
    await new Promise<void>((resolve) => wire.listen(0, '127.0.0.1', resolve));
    try {
      const source = rest({ baseUrl: `http://127.0.0.1:${(wire.address() as AddressInfo).port}/identityiq` });
      for (const name of ['...', 'CORP/jdoe', 'a?b#c%']) await source.fetchAccounts(identity(name));
      expect(seen).toEqual([
        '/identityiq/rest/identities/%2E%2E%2E/links',
        '/identityiq/rest/identities/CORP%2Fjdoe/links',
        '/identityiq/rest/identities/a%3Fb%23c%25/links',
      ]);
    } finally {
      await new Promise((resolve) => wire.close(resolve));
    }
  });

  it.each(['.', '..'])(
    'REST never reads `%s` by path (a server may normalise %%2E%%2E): links and lookup fail naming it, suggesting SCIM',
    async (name) => {
      for (const read of [rest().fetchAccounts(identity(name, 'id-dots')), rest().lookupIdentity({ id: 'id-dots', name })]) {
        const error = await errorOf(read);
        expect(error).toBeInstanceOf(SourceReadError);
        expect(error?.message).toContain(`identity "${name}" (id-dots) cannot be read by name`);
        expect(error?.message).toContain('"api": "scim"');
        expect(error?.classified).toMatch(/^IIQ GET \/rest\/identities\/\{name\}(\/links)?: a name of dots cannot be read by path$/);
      }
    },
  );
});

describe('SCIM lookupIdentity (Users/<id>)', () => {
  const serve = (answer: () => Response) => server.use(http.get(`${BASE}/scim/v2/Users/:id`, answer));
  const user = (active: boolean | undefined, id = 'id1') =>
    HttpResponse.json({ id, userName: 'jdoe', ...(active === undefined ? {} : { active }) }, { headers: SCIM_TYPE });

  it.each<[string, () => Response, unknown]>([
    ['still inactive', () => user(false), { kind: 'found', identity: { id: 'id1', inactive: true } }],
    ['active again', () => user(true), { kind: 'found', identity: { inactive: false } }],
    [
      'a SCIM Error with status "404"',
      () =>
        HttpResponse.json(
          { schemas: [ERROR_SCHEMA], detail: 'Resource id1 not found', status: '404' },
          { status: 404, headers: SCIM_TYPE },
        ),
      { kind: 'gone' },
    ],
  ])('%s', async (_name, answer, expected) => {
    serve(answer);
    expect(await scim().lookupIdentity({ id: 'id1', name: 'jdoe' })).toMatchObject(expected as object);
  });

  it.each<[string, () => Response]>([
    ['an HTML 404', html404],
    [
      'a framework JSON 404 (not a SCIM Error)',
      () =>
        HttpResponse.json(
          { timestamp: '2026-11-24T12:00:00Z', status: 404, error: 'Not Found', path: '/identityiq/scim/v2/Users/id1' },
          { status: 404 },
        ),
    ],
    ['another user', () => user(false, 'id2')],
  ])('%s: throws', async (_name, answer) => {
    serve(answer);
    await expect(scim().lookupIdentity({ id: 'id1', name: 'jdoe' })).rejects.toBeInstanceOf(SourceReadError);
  });
});

describe('SCIM asks only for attributes the Account schema declares', () => {
  it.each<[string, string[], string | undefined]>([
    ['IIQ 8.x (active, no inactive)', ['identity', 'application', 'nativeIdentity', 'active', 'locked'], 'identity,application,active'],
    ['an older release (inactive)', ['identity', 'application', 'inactive'], 'identity,application,inactive'],
    ['both, any letter case', ['Identity', 'Application', 'Active', 'inactive'], 'identity,application,active,inactive'],
    ['no status declared: whole accounts', ['identity', 'application', 'nativeIdentity'], undefined],
    ['no owner declared: whole accounts', ['application', 'active'], undefined],
  ])('%s', (_name, declared, expected) => {
    expect(chooseAccountAttributes(declared).attributes).toBe(expected);
  });

  function serveAccounts(schema: () => Response): { attributes: (string | null)[]; schemaReads: number } {
    const seen = { attributes: [] as (string | null)[], schemaReads: 0 };
    server.use(
      http.get(`${BASE}/scim/v2/Schemas/:id`, ({ params }) => {
        seen.schemaReads += 1;
        expect(params.id).toBe('urn:ietf:params:scim:schemas:sailpoint:1.0:Account');
        return schema();
      }),
      http.get(`${BASE}/scim/v2/Accounts`, ({ request }) => {
        seen.attributes.push(new URL(request.url).searchParams.get('attributes'));
        return HttpResponse.json(
          { totalResults: 1, Resources: [{ id: 'a1', identity: { value: 'id1' }, application: { displayName: 'AD' } }] },
          { headers: SCIM_TYPE },
        );
      }),
    );
    return seen;
  }

  it('reads the schema once per run and asks only for what it declares; an account without status is unknown', async () => {
    const seen = serveAccounts(() =>
      HttpResponse.json(
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
          attributes: [{ name: 'identity' }, { name: 'application' }, { name: 'active' }],
        },
        { headers: SCIM_TYPE },
      ),
    );
    const source = scim();
    expect(await source.fetchAccounts(identity('jdoe'))).toEqual({
      kind: 'accounts',
      accounts: [{ application: 'AD', status: 'unknown' }],
    });
    await source.fetchAccounts(identity('jdoe'));
    expect(seen).toEqual({ attributes: ['identity,application,active', 'identity,application,active'], schemaReads: 1 });
  });

  it.each<[string, () => Response]>([
    [
      'a SCIM 404 (schema not served)',
      () => HttpResponse.json({ schemas: [ERROR_SCHEMA], detail: 'not found', status: '404' }, { status: 404, headers: SCIM_TYPE }),
    ],
    ['an HTML page', () => new HttpResponse('<html>login</html>', { headers: { 'content-type': 'text/html' } })],
    ['a shape without attributes', () => HttpResponse.json({ id: 'x' }, { headers: SCIM_TYPE })],
  ])('a schema that cannot be read (%s): no attributes= at all', async (_name, schema) => {
    const seen = serveAccounts(schema);
    await scim().fetchAccounts(identity('jdoe'));
    expect(seen.attributes).toEqual([null]);
  });
});

describe('classified errors carry nothing IIQ sent', () => {
  const body = JSON.stringify({
    message: 'Connector failed for CN=Jane Doe,OU=Staff,DC=corp,DC=example; request had Authorization: Basic c3ZjOnNlY3JldA==',
  });

  it.each([
    [500, 'IIQ GET /rest/identities: HTTP 500'],
    [400, 'IIQ GET /rest/identities: HTTP 400'],
  ])('HTTP %i: the detail (for logs) quotes the body, the classified form does not', async (status, classified) => {
    server.use(
      http.get(`${BASE}/rest/identities`, () => new HttpResponse(body, { status, headers: { 'content-type': 'application/json' } })),
    );
    const error = await errorOf(
      (async () => {
        for await (const _ of rest().listInactiveIdentities()) break;
      })(),
    );
    expect(error?.message).toContain('CN=Jane Doe');
    expect(error?.classified).toBe(classified);
  });

  it('a network failure is classified by its code', async () => {
    server.use(http.get(`${BASE}/rest/identities`, () => HttpResponse.error()));
    const error = await errorOf(
      (async () => {
        for await (const _ of rest().listInactiveIdentities()) break;
      })(),
    );
    expect(error?.classified).toMatch(/^IIQ GET \/rest\/identities: network error/);
  });

  it('the redactor removes an echoed Authorization credential it does not know, and leaves prose alone', () => {
    const redactor = new Redactor();
    expect(redactor.apply('echo: Authorization: Basic c3ZjOnNlY3JldA== and Bearer eyJhbGciOi.x-y_z')).toBe(
      'echo: Authorization: Basic [REDACTED] and Bearer [REDACTED]',
    );
    expect(redactor.apply('uses basic authentication; Basic realm="IdentityIQ"')).toBe(
      'uses basic authentication; Basic realm="IdentityIQ"',
    );
  });
});
