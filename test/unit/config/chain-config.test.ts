/** `chain.tasks`: IIQ tasks the Leaver chain depends on; bounded, IIQ only. */
import { describe, expect, it } from 'vitest';
import { parseConfig, type WatchdogEnv } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';

const env: WatchdogEnv = {
  IIQ_USERNAME: 'watchdog',
  IIQ_PASSWORD: 'pw-123456',
  ISC_CLIENT_ID: 'client',
  ISC_CLIENT_SECRET: 'secret-123456',
  PAGERDUTY_ROUTING_KEY: 'a'.repeat(32),
};
const withChain = (chain: unknown, source: object = { iiq: { baseUrl: 'https://iiq.example.com/identityiq' } }) => ({
  ...source,
  leaver: { terminationDateAttribute: 'hrTerminationDate' },
  slaHours: { standard: 8 },
  chain,
});
const parse = (raw: unknown) => parseConfig(raw, env, '/etc/watchdog', { routingKey: true });
function errorOf(raw: unknown): string {
  try {
    parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
const task = (name: string, maxAgeHours = 26) => ({ name, maxAgeHours });

describe('chain.tasks', () => {
  it('is optional (no task watched) and keeps what is given', () => {
    expect(parse(withChain(undefined)).chain.tasks).toEqual([]);
    expect(parse(withChain({ tasks: [task('Refresh Identity Cube'), task('Workday Aggregation', 744)] })).chain.tasks).toEqual([
      task('Refresh Identity Cube'),
      task('Workday Aggregation', 744),
    ]);
  });

  it.each([
    [{ tasks: [task('Refresh Identity Cube', 0)] }, 'chain.tasks.0.maxAgeHours: must be a number from 1 to 744'],
    [{ tasks: [task('Refresh Identity Cube', 745)] }, 'chain.tasks.0.maxAgeHours: must be a number from 1 to 744'],
    [{ tasks: [task('  ')] }, 'chain.tasks.0.name: must name an IdentityIQ task'],
    [{ tasks: [{ name: 'Refresh Identity Cube' }] }, 'chain.tasks.0.maxAgeHours'],
    [{ tasks: [{ ...task('Refresh Identity Cube'), every: 1 }] }, 'unknown key "chain.tasks.0.every"'],
    [{ tasks: Array.from({ length: 21 }, (_, i) => task(`Task ${i}`)) }, 'chain.tasks: must name at most 20 tasks'],
    [{ tasks: [task('Refresh Identity Cube'), task('Refresh Identity Cube')] }, 'chain.tasks: must not name a task twice'],
  ])('%j is exit 2 naming the key', (chain, message) => {
    expect(errorOf(withChain(chain))).toContain(message);
  });

  it('with an isc section is exit 2 naming "chain" (ISC has no IIQ TaskResults)', () => {
    const message = errorOf(
      withChain({ tasks: [task('Refresh Identity Cube')] }, { isc: { baseUrl: 'https://acme.api.identitynow.com' } }),
    );
    expect(message).toContain('chain:');
    expect(message).toContain('remove "chain"');
  });
});
