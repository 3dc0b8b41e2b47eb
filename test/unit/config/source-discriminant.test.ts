/** The parsed config carries its source with a discriminant; the file format is unchanged. */
import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { parseConfig } from '../../../src/config/config.js';
import { loadSourceAdapters } from '../../../src/commands/source-adapters.js';
import { createSource } from '../../../src/source/create-source.js';
import { sourceProfileOf } from '../../../src/source/source-profile.js';

const common = { leaver: { terminationDateAttribute: 'hrTerminationDate' }, slaHours: { standard: 8 } };
const env = { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p', ISC_CLIENT_ID: 'id', ISC_CLIENT_SECRET: 's' };

describe('config.source', () => {
  it('an iiq section: kind iiq, with the section’s values and defaults', () => {
    const config = parseConfig({ iiq: { baseUrl: 'https://iiq.example.com/identityiq/', api: 'scim' }, ...common }, env, '/cfg', {
      routingKey: false,
    });
    expect(config.source).toMatchObject({ kind: 'iiq', baseUrl: 'https://iiq.example.com/identityiq', api: 'scim', concurrency: 8 });
    expect(config.source.credentials).toMatchObject({ kind: 'basic', username: 'u' });
    expect(sourceProfileOf(config)).toMatchObject({ label: 'IIQ', component: 'identityiq' });
  });

  it('an isc section: kind isc', () => {
    const config = parseConfig({ isc: { baseUrl: 'https://acme.api.identitynow.com' }, ...common }, env, '/cfg', { routingKey: false });
    expect(config.source).toMatchObject({ kind: 'isc', baseUrl: 'https://acme.api.identitynow.com', concurrency: 4 });
    expect(sourceProfileOf(config)).toMatchObject({ label: 'ISC', component: 'identity-security-cloud' });
  });

  it('both or neither section is still exit 2 naming them', () => {
    expect(() => parseConfig({ ...common }, env, '/cfg', { routingKey: false })).toThrow(/one of "iiq".*or "isc"/);
    expect(() =>
      parseConfig({ iiq: { baseUrl: 'https://a.example' }, isc: { baseUrl: 'https://b.example' }, ...common }, env, '/cfg', {
        routingKey: false,
      }),
    ).toThrow(/both "iiq" and "isc"/);
  });

  it('createSource builds the source of either kind without a request', async () => {
    const dispatcher = new Agent();
    try {
      for (const file of [{ iiq: { baseUrl: 'https://iiq.example.com' } }, { isc: { baseUrl: 'https://acme.api.identitynow.com' } }]) {
        const config = parseConfig({ ...file, ...common }, env, '/cfg', { routingKey: false });
        const built = createSource(config.source, { dispatcher }, await loadSourceAdapters(config.source.kind));
        expect(typeof built.source.listInactiveIdentities).toBe('function');
        expect(built.http.requestCount).toBe(0);
      }
    } finally {
      await dispatcher.close();
    }
  });
});
