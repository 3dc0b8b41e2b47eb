/** Observing the leavers the source still shows active: an in-process source with both listings. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { observeIdentities } from '../../../src/cycle/observe.js';
import type { ObserveInput } from '../../../src/cycle/observe-input.js';
import { decide } from '../../../src/sla/decide.js';
import type { Identity, IdentitySource } from '../../../src/source/identity-source.js';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { emptyVerifiedClean } from '../../../src/state/state-file.js';
import { HOUR_MS as HOUR, NOW_MS } from '../../helpers/clock.js';
import { janeIncident, testPolicy } from '../../helpers/sla-fixtures.js';

const ago = (hours: number): string => new Date(NOW_MS - hours * HOUR).toISOString();
const who = (id: string, attributes: Record<string, unknown>, inactive = false): Identity => ({
  id,
  name: id,
  displayName: id,
  inactive,
  attributes: { risk_tier: 'privileged', ...attributes },
});

function sourceOf(inactive: Identity[], active: Identity[], options: { failNotStarted?: boolean } = {}) {
  const reads: string[] = [];
  const lookups: string[] = [];
  let notStartedCalls = 0;
  const source: IdentitySource = {
    async *listInactiveIdentities() {
      yield await Promise.resolve(inactive);
    },
    async *listNotStartedIdentities(attribute) {
      notStartedCalls += 1;
      if (options.failNotStarted)
        throw new SourceReadError('IIQ GET /scim/v2/Users answered HTTP 400', { classified: 'IIQ GET /scim/v2/Users: HTTP 400' });
      yield await Promise.resolve(active.filter((identity) => identity.attributes[attribute] !== undefined));
    },
    lookupIdentity(ref) {
      lookups.push(ref.id);
      const found = [...inactive, ...active].find((identity) => identity.id === ref.id);
      return Promise.resolve(found ? { kind: 'found', identity: found } : { kind: 'gone' });
    },
    fetchAccounts(identity) {
      reads.push(identity.id);
      return Promise.resolve({ kind: 'accounts', accounts: [{ application: 'Active Directory', status: 'enabled' }] });
    },
  };
  return { source, reads, lookups, notStartedCalls: () => notStartedCalls };
}

const observe = (source: IdentitySource, extra: Partial<ObserveInput> = {}) =>
  observeIdentities({
    source,
    policy: testPolicy(),
    openIncidents: {},
    firstSeenInactive: {},
    verifiedClean: emptyVerifiedClean(),
    recheckCleanHours: 24,
    now: new Date(NOW_MS),
    logger: pino({ level: 'silent' }),
    accountPolicy: { applicationSlaHours: {}, exceptions: [] },
    leaverRule: { notStartedLookbackDays: 30, rehireDateAttribute: 'rehireDate' },
    ...extra,
  });

describe('observing not-started leavers', () => {
  it('reads and observes only the active leavers past termination, within the lookback, not rehired', async () => {
    const { source, reads } = sourceOf(
      [],
      [
        who('nora', { hrTerminationDate: ago(6) }),
        who('otto', { hrTerminationDate: ago(40 * 24) }),
        who('rita', { hrTerminationDate: ago(6), rehireDate: ago(1) }),
        who('fred', { hrTerminationDate: ago(-24) }),
        who('irene', {}),
      ],
    );
    const result = await observe(source);
    expect(result.listingComplete).toBe(true);
    expect(result.notStartedListed).toBe(1);
    expect(reads).toEqual(['nora']);
    expect(result.observations.map((o) => [o.identity.id, o.inactive, o.leaverStage])).toEqual([['nora', false, 'not-started']]);
    expect(
      decide({ observations: result.observations, listingComplete: true, openIncidents: {}, nowMs: NOW_MS, renotifyMinutes: 240 }),
    ).toMatchObject([{ action: 'trigger', reason: 'first breach', breach: { leaverStage: 'not-started' } }]);
  });

  it('an identity in both listings is observed once', async () => {
    const nora = who('nora', { hrTerminationDate: ago(6) }, true);
    const { source, reads } = sourceOf([nora], [{ ...nora, inactive: false }]);
    const result = await observe(source);
    expect(reads).toEqual(['nora']);
    expect(result.observations).toHaveLength(1);
  });

  it('an open incident is followed however old its termination: still a leaver, re-triggered as not started', async () => {
    const old = who('id1', { hrTerminationDate: ago(40 * 24) });
    const { source, lookups } = sourceOf([], [old]);
    const incident = janeIncident({ terminationDate: ago(40 * 24), severity: 'error' });
    const result = await observe(source, { openIncidents: { [incident.dedupKey]: incident } });
    // The source lists every active identity with the attribute; the lookback is the watchdog's, and not for open incidents.
    expect(lookups).toEqual([]);
    const decisions = decide({
      observations: result.observations,
      listingComplete: result.listingComplete,
      openIncidents: { [incident.dedupKey]: incident },
      nowMs: NOW_MS,
      renotifyMinutes: 240,
    });
    expect(decisions).toMatchObject([{ action: 'retrigger', reason: 'leaver stage changed', breach: { leaverStage: 'not-started' } }]);
  });

  it.each([
    ['active with no termination instant', {}],
    ['rehired', { hrTerminationDate: ago(6), rehireDate: ago(1) }],
    ['termination moved to the future', { hrTerminationDate: ago(-48) }],
  ])('an open incident whose identity is %s resolves: no longer a leaver', async (_name, attributes) => {
    const { source } = sourceOf([], [who('id1', attributes)]);
    const incident = janeIncident();
    const result = await observe(source, { openIncidents: { [incident.dedupKey]: incident } });
    const decisions = decide({
      observations: result.observations,
      listingComplete: result.listingComplete,
      openIncidents: { [incident.dedupKey]: incident },
      nowMs: NOW_MS,
      renotifyMinutes: 240,
    });
    expect(decisions).toMatchObject([{ action: 'resolve', reason: 'no longer a leaver' }]);
  });

  it('a failed not-started listing leaves the listing incomplete: nothing unlisted is looked up, the fix is named', async () => {
    const { source, lookups } = sourceOf([], [], { failNotStarted: true });
    const incident = janeIncident();
    const result = await observe(source, { openIncidents: { [incident.dedupKey]: incident } });
    expect(result.listingComplete).toBe(false);
    expect(lookups).toEqual([]);
    expect(result.readError).toMatch(
      /not-started leaver listing failed: IIQ GET \/scim\/v2\/Users answered HTTP 400; make "hrTerminationDate" searchable/,
    );
    expect(result.readError).toMatch(/notStartedLookbackDays to 0/);
    expect(result.readErrorClassified).toBe('IIQ GET /scim/v2/Users: HTTP 400');
  });

  it('a lookback of 0 turns the listing off', async () => {
    const { source, notStartedCalls } = sourceOf([], [who('nora', { hrTerminationDate: ago(6) })]);
    const result = await observe(source, { leaverRule: { notStartedLookbackDays: 0, rehireDateAttribute: undefined } });
    expect(notStartedCalls()).toBe(0);
    expect(result.observations).toEqual([]);
  });
});
