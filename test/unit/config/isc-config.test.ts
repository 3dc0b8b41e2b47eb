/** The `isc` config section: exactly one source, bounds on every number, ISC secrets, defaults; the events it makes. */
import { describe, expect, it } from 'vitest';
import { parseConfig, type WatchdogEnv } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';
import { buildTriggerEvent } from '../../../src/pagerduty/events.js';
import type { Breach } from '../../../src/sla/incident.js';
import { sourceProfileOf } from '../../../src/source/source-profile.js';

const env: WatchdogEnv = { ISC_CLIENT_ID: 'client-id', ISC_CLIENT_SECRET: 'isc-secret-123456', PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) };
const minimal = (isc: Record<string, unknown> = {}) => ({
  isc: { baseUrl: 'https://acme.api.identitynow.com', ...isc },
  leaver: { terminationDateAttribute: 'endDate' },
  slaHours: { standard: 8 },
});
const parse = (raw: unknown, environment: WatchdogEnv = env) => parseConfig(raw, environment, '/etc/watchdog', { routingKey: true });

function errorOf(raw: unknown, environment: WatchdogEnv = env): string {
  try {
    parse(raw, environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the isc section', () => {
  it('fills the ISC defaults and wraps the secret', () => {
    const config = parse(minimal());
    expect(config).not.toHaveProperty('iiq');
    expect(config).not.toHaveProperty('isc');
    expect(config.source).toMatchObject({
      kind: 'isc',
      lifecycleStates: ['inactive'],
      pageSize: 250,
      concurrency: 4,
      maxRequestsPer10Seconds: 90,
      timeoutSeconds: 30,
    });
    expect(config.source.identityUrlTemplate).toBe('https://acme.identitynow.com/ui/a/admin/identities/{id}/details/attributes');
    expect(config.pagerduty.source).toBe('acme.api.identitynow.com');
    expect(JSON.stringify(config)).not.toContain('isc-secret-123456');
    expect(
      config.source.kind === 'isc' && config.source.credentials.kind === 'isc' && config.source.credentials.clientSecret.reveal(),
    ).toBe('isc-secret-123456');
  });

  it.each([
    ['both sources', { ...minimal(), iiq: { baseUrl: 'https://iiq.example.com/identityiq' } }, 'both "iiq" and "isc" are set'],
    [
      'neither source',
      { leaver: { terminationDateAttribute: 'd' }, slaHours: { standard: 8 } },
      'one of "iiq" (IdentityIQ) or "isc" (Identity Security Cloud) is required',
    ],
    ['page size above 250', minimal({ pageSize: 251 }), 'isc.pageSize'],
    ['page size 0', minimal({ pageSize: 0 }), 'isc.pageSize'],
    ['more than 100 requests per 10 s', minimal({ maxRequestsPer10Seconds: 101 }), 'isc.maxRequestsPer10Seconds'],
    ['a timeout above 600 s', minimal({ timeoutSeconds: 601 }), 'isc.timeoutSeconds'],
    ['concurrency above 16', minimal({ concurrency: 17 }), 'isc.concurrency'],
    ['retries above 10', minimal({ retries: 11 }), 'isc.retries'],
    ['no lifecycle state', minimal({ lifecycleStates: [] }), 'isc.lifecycleStates: must name at least one lifecycle state'],
    [
      'a lifecycle state with query syntax',
      minimal({ lifecycleStates: ['inactive OR *'] }),
      'isc.lifecycleStates.0: must be a lifecycle state technical name',
    ],
    ['an unknown key', minimal({ lifecycleState: ['inactive'] }), 'unknown key "isc.lifecycleState"'],
    ['no base URL', { ...minimal(), isc: {} }, 'isc.baseUrl'],
    [
      'credentials in the URL',
      minimal({ baseUrl: 'https://u:p@acme.api.identitynow.com' }),
      'isc.baseUrl: must be an http(s) URL without credentials',
    ],
    ['a link template without {id}', minimal({ identityUrlTemplate: 'https://acme.identitynow.com/ui' }), 'isc.identityUrlTemplate'],
  ])('%s is exit 2 naming the key', (_name, raw, expected) => {
    const message = errorOf(raw);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it.each([
    ['no secret', { ...env, ISC_CLIENT_SECRET: undefined }, 'ISC_CLIENT_SECRET is not set (the config has an "isc" section)'],
    ['neither variable', { PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) }, 'ISC_CLIENT_ID and ISC_CLIENT_SECRET are not set'],
  ])('environment: %s', (_name, environment, expected) => {
    expect(errorOf(minimal(), environment as WatchdogEnv)).toContain(expected);
  });

  it('IIQ secrets are not asked for with an isc section, nor ISC secrets by report', () => {
    expect(() => parse(minimal(), env)).not.toThrow();
    expect(
      parseConfig(minimal(), { PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) }, '/', { routingKey: true, iiqCredentials: false }).source
        .credentials,
    ).toEqual({ kind: 'none' });
  });
});

describe('events from an ISC source', () => {
  const breach: Breach = {
    dedupKey: 'iiq-leaver-sla-2c91808a7190d06e0171',
    identityId: '2c91808a7190d06e0171',
    identityName: 'jdoe',
    displayName: 'Jane Doe',
    tier: 'standard',
    slaHours: 8,
    severity: 'warning',
    activeApplications: ['Active Directory'],
    activeAccountCount: 1,
    terminationDate: '2026-11-24T00:00:00.000Z',
    terminationSource: 'attribute',
    slaDeadline: '2026-11-24T08:00:00.000Z',
    elapsedHours: 9,
  };

  it('component identity-security-cloud, the link text and the deep link come from the source profile', () => {
    const config = parse(minimal());
    const event = buildTriggerEvent(
      breach,
      { source: config.pagerduty.source, ...sourceProfileOf(config) },
      new Date('2026-11-24T09:00:00Z'),
    );
    expect(event.payload?.component).toBe('identity-security-cloud');
    expect(event.links).toEqual([
      {
        href: 'https://acme.identitynow.com/ui/a/admin/identities/2c91808a7190d06e0171/details/attributes',
        text: 'Identity in Identity Security Cloud',
      },
    ]);
    expect(event.dedup_key).toBe('iiq-leaver-sla-2c91808a7190d06e0171');
  });

  it('an iiq config keeps IdentityIQ component and link text', () => {
    const config = parseConfig(
      { iiq: { baseUrl: 'https://iiq.example.com/identityiq' }, leaver: { terminationDateAttribute: 'd' }, slaHours: { standard: 8 } },
      { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p-123456', PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) },
      '/',
      { routingKey: true },
    );
    const event = buildTriggerEvent(breach, { source: 's', ...sourceProfileOf(config) }, new Date());
    expect(event.payload?.component).toBe('identityiq');
    expect(event.links?.[0]?.text).toBe('Identity in IdentityIQ');
  });
});
