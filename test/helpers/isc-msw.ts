/** Shared pieces of the msw tests of the ISC client: a config section, a clock, a source built on them. */
import type { IscConfig } from '../../src/config/config.js';
import { createIscIdentitySource } from '../../src/isc/create-isc-source.js';
import { Secret } from '../../src/secrets.js';
import { mswDispatcher } from './msw.js';

export const BASE = 'https://acme.api.identitynow.test';
export const CLIENT_SECRET = 'isc-client-s3cret-never-shown';

/** An `isc` section as parseConfig would produce it. */
export function iscSection(overrides: Partial<IscConfig> = {}): IscConfig {
  return {
    baseUrl: BASE,
    lifecycleStates: ['inactive'],
    pageSize: 250,
    concurrency: 4,
    maxRequestsPer10Seconds: 90,
    timeoutSeconds: 5,
    retries: 2,
    retryMinDelayMs: 0,
    apiPaths: 'v3',
    caFile: undefined,
    identityUrlTemplate: 'https://acme.identitynow.test/ui/a/admin/identities/{id}/details/attributes',
    credentials: { kind: 'isc', clientId: 'watchdog-client', clientSecret: new Secret(CLIENT_SECRET) },
    ...overrides,
  };
}

/** A clock that only moves when told to, or when the pacer waits (its sleeps are recorded). */
export function fakeClock(startMs = 1_000_000) {
  const clock = { ms: startMs, slept: [] as number[] };
  return {
    clock,
    nowMs: () => clock.ms,
    sleep: (ms: number): Promise<void> => {
      clock.slept.push(ms);
      clock.ms += ms;
      return Promise.resolve();
    },
  };
}

/** The ISC source and client of a section, on a fake clock, answered by the file's msw handlers (call useMswServer first). */
export function iscClient(overrides: Partial<IscConfig> = {}, time = fakeClock()) {
  const built = createIscIdentitySource(iscSection(overrides), { dispatcher: mswDispatcher(), nowMs: time.nowMs, sleep: time.sleep });
  return { ...built, time };
}
