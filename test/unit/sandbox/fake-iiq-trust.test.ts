/** The fake IIQ behaves like the real one where trust depends on it: raw paths, lookups, the Account schema, Apache's %2F. */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq, type FakeIiqOptions } from '../../../src/sandbox/fake-iiq.js';

const BASIC = `Basic ${Buffer.from('watchdog:demo-password').toString('base64')}`;
const ACCOUNT_URN = 'urn:ietf:params:scim:schemas:sailpoint:1.0:Account';
let iiq: FakeIiq | undefined;
afterEach(async () => {
  await iiq?.close();
  iiq = undefined;
});

const person = (id: string, name: string, inactive = true): FakeIdentity => ({
  id,
  name,
  displayName: name,
  inactive,
  attributes: {},
  links: [{ id: `${id}-l`, application: 'AD', nativeIdentity: `CN=${id}`, displayName: name, disabled: false }],
});

/** GET with the path exactly as given (fetch would fold %2E%2E away). */
function rawGet(path: string): Promise<{ status: number; type: string; body: any }> {
  const url = new URL(iiq!.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { authorization: BASIC } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const type = res.headers['content-type'] ?? '';
        resolve({ status: res.statusCode ?? 0, type, body: type.includes('json') ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
async function start(options: Partial<FakeIiqOptions> = {}): Promise<void> {
  iiq = await startFakeIiq({
    identities: [person('id-dot', '.'), person('id-dd', '..'), person('id-slash', 'CORP/jdoe'), person('id-b', 'bob', false)],
    ...options,
  });
}

describe('fake IIQ: trust-relevant behaviour', () => {
  it('routes on the raw path: %2E and %2E%2E are names, literal dot segments are resolved', async () => {
    await start();
    expect((await rawGet('/identityiq/rest/identities/%2E%2E/links')).body).toMatchObject({ count: 1 });
    expect((await rawGet('/identityiq/rest/identities/%2E/links')).body).toMatchObject({ count: 1 });
    expect((await rawGet('/identityiq/rest/identities/CORP%2Fjdoe/links')).body).toMatchObject({ count: 1 });
    // A literal ".." is resolved as any server does: /identityiq/rest/links is no route (a JSON 404 from "IIQ").
    expect(await rawGet('/identityiq/rest/identities/../links')).toMatchObject({ status: 404 });
  });

  it('serves one identity by name (REST) and by id (SCIM), with IIQ-style 404s', async () => {
    await start();
    expect((await rawGet('/identityiq/rest/identities/bob')).body).toEqual({
      id: 'id-b',
      name: 'bob',
      displayName: 'bob',
      inactive: false,
      attributes: {},
    });
    expect(await rawGet('/identityiq/rest/identities/nobody')).toMatchObject({ status: 404, body: { message: expect.any(String) } });
    expect((await rawGet('/identityiq/scim/v2/Users/id-dd')).body).toMatchObject({ id: 'id-dd', userName: '..', active: false });
    expect(await rawGet('/identityiq/scim/v2/Users/nope')).toMatchObject({
      status: 404,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' },
    });
  });

  it('serves the Account schema, refuses undeclared attributes, and omits an undeclared status', async () => {
    await start();
    const schema = await rawGet(`/identityiq/scim/v2/Schemas/${ACCOUNT_URN}`);
    expect(schema.body).toMatchObject({ id: ACCOUNT_URN, schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'] });
    expect(schema.body.attributes.map((a: { name: string }) => a.name)).toContain('active');
    expect(schema.body.attributes.map((a: { name: string }) => a.name)).not.toContain('inactive');
    const refused = await rawGet('/identityiq/scim/v2/Accounts?attributes=identity,application,active,inactive');
    expect(refused).toMatchObject({ status: 400, body: { scimType: 'invalidValue', status: '400' } });
    expect((await rawGet('/identityiq/scim/v2/Accounts?attributes=id,identity.value,application,active')).status).toBe(200);
    await iiq!.close();

    await start({ accountSchemaAttributes: ['identity', 'application', 'nativeIdentity'] });
    expect((await rawGet('/identityiq/scim/v2/Accounts')).body.Resources[0]).not.toHaveProperty('active');
    await iiq!.close();

    await start({ accountSchemaAttributes: null });
    expect((await rawGet(`/identityiq/scim/v2/Schemas/${ACCOUNT_URN}`)).status).toBe(404);
  });

  it('like Apache with AllowEncodedSlashes Off: any %2F gets an HTML 404 before IIQ sees it', async () => {
    await start({ rejectEncodedSlashes: true });
    const refused = await rawGet('/identityiq/rest/identities/CORP%2Fjdoe/links');
    expect(refused.status).toBe(404);
    expect(refused.type).toContain('text/html');
    expect((await rawGet('/identityiq/rest/identities/%2E%2E/links')).status).toBe(200);
  });
});
