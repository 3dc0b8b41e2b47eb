/**
 * The demo Leaver scenario (scenario.ts) as Identity Security Cloud holds it: the same
 * people, dates and accounts, so a run against the fake ISC and one against the fake IIQ can be
 * compared event for event. Shared by `npm run demo -- --isc`, the benchmark and the tests.
 */
import type { FakeIdentity } from './fake-iiq.js';
import type { FakeIscIdentity } from './fake-isc-data.js';
import { DEMO_ENV } from './scenario.js';

/** Demo ISC credentials: test values, not secrets of any real tenant. */
export const ISC_DEMO_ENV = {
  ISC_CLIENT_ID: 'watchdog-client',
  ISC_CLIENT_SECRET: 'isc-demo-secret',
  PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY,
} as const;

/**
 * IIQ fake identities as ISC identities: `inactive` becomes the lifecycle state `inactive`
 * (else `active`: the story's not-started leaver stays `active` with her termination date, as
 * when ISC's identity processing has not run), links become accounts of the source named like
 * the application.
 */
export function toIscIdentities(identities: readonly FakeIdentity[]): FakeIscIdentity[] {
  return identities.map((identity) => ({
    id: identity.id,
    name: identity.name,
    displayName: identity.displayName,
    attributes: { ...identity.attributes, cloudLifecycleState: identity.inactive ? 'inactive' : 'active' },
    accounts: identity.links.map((link) => ({
      id: link.id,
      name: link.displayName,
      nativeIdentity: link.nativeIdentity,
      sourceName: link.application,
      ...(link.disabled === undefined ? {} : { disabled: link.disabled }),
      ...(link.locked === undefined ? {} : { locked: link.locked }),
    })),
  }));
}

/** Disables every account of the named identity (the Leaver finally ran). */
export function remediateIsc(identities: FakeIscIdentity[], name: string): void {
  for (const account of identities.find((i) => i.name === name)?.accounts ?? []) account.disabled = true;
}

/** Config overrides (for writeDemoConfig) that swap the `iiq` section for an `isc` one on `url`. */
export function iscConfigOverrides(
  url: string,
  isc: Record<string, unknown> = {},
  rest: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    // undefined: JSON.stringify leaves the key out, so the config has exactly one source.
    iiq: undefined,
    isc: { baseUrl: url, pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10, ...isc },
    ...rest,
  };
}
