/** isc.apiPaths: "v3" by default, "v1" accepted, anything else a config error naming the key. */
import { describe, expect, it } from 'vitest';
import { parseConfig, type WatchdogEnv } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';

const env: WatchdogEnv = { ISC_CLIENT_ID: 'client-id', ISC_CLIENT_SECRET: 'isc-secret-123456', PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) };
const config = (isc: Record<string, unknown> = {}) => ({
  isc: { baseUrl: 'https://acme.api.identitynow.com', ...isc },
  leaver: { terminationDateAttribute: 'endDate' },
  slaHours: { standard: 8 },
});
const parse = (raw: unknown) => parseConfig(raw, env, '/etc/watchdog', { routingKey: true });

describe('isc.apiPaths', () => {
  it('defaults to "v3" and accepts "v1"', () => {
    expect(parse(config()).source).toMatchObject({ kind: 'isc', apiPaths: 'v3' });
    expect(parse(config({ apiPaths: 'v1' })).source).toMatchObject({ kind: 'isc', apiPaths: 'v1' });
  });

  it.each([['v2'], ['V1'], [1], [null]])('%j is a config error (exit 2) naming isc.apiPaths', (value) => {
    let caught: unknown;
    try {
      parse(config({ apiPaths: value }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).exitCode).toBe(2);
    expect((caught as Error).message).toContain('isc.apiPaths');
    expect((caught as Error).message).toMatch(/"v3"|v3/);
  });
});
