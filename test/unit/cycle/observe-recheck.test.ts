/** Observing with the re-check schedule: an in-process source that counts reads per identity. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import type { Account, AccountReadOutlook, Identity, IdentitySource } from '../../../src/source/identity-source.js';
import type { ObserveInput } from '../../../src/cycle/observe-input.js';
import { observeIdentities } from '../../../src/cycle/observe.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import type { SlaPolicy } from '../../../src/sla/policy.js';
import { emptyVerifiedClean, type VerifiedCleanState } from '../../../src/state/state-file.js';
import { HOUR_MS as HOUR } from '../../helpers/clock.js';
import { testPolicy } from '../../helpers/sla-fixtures.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const policy: SlaPolicy = testPolicy();

interface Person {
  identity: Identity;
  accounts: Account[] | 'fail';
}
const person = (id: string, hoursAgo: number, statuses: Account['status'][], app = 'Active Directory'): Person => ({
  identity: {
    id,
    name: id,
    displayName: id,
    inactive: true,
    attributes: { hrTerminationDate: new Date(T0 - hoursAgo * HOUR).toISOString(), risk_tier: 'standard' },
  },
  accounts: statuses.map((status) => ({ application: app, status })),
});

/** A source over a mutable population: pages of two, reads counted per id, optional failure after the first page. */
function sourceOf(people: Person[], options: { failAfterFirstPage?: boolean } = {}) {
  const reads = new Map<string, number>();
  const outlooks: AccountReadOutlook[] = [];
  const source: IdentitySource = {
    async *listInactiveIdentities() {
      for (let i = 0; i < people.length; i += 2) {
        if (i > 0 && options.failAfterFirstPage) throw new SourceReadError('IIQ GET /scim/v2/Users failed: HTTP 500');
        yield await Promise.resolve(people.slice(i, i + 2).map((p) => p.identity));
      }
    },
    lookupIdentity(ref) {
      const person = people.find((p) => p.identity.id === ref.id);
      return Promise.resolve(person ? { kind: 'found', identity: person.identity } : { kind: 'gone' });
    },
    fetchAccounts(identity) {
      reads.set(identity.id, (reads.get(identity.id) ?? 0) + 1);
      const accounts = people.find((p) => p.identity.id === identity.id)?.accounts;
      if (accounts === 'fail') return Promise.reject(new SourceReadError('IIQ GET /scim/v2/Accounts failed: HTTP 500'));
      return Promise.resolve({ kind: 'accounts', accounts: accounts ?? [] });
    },
    expectAccountReads: (outlook) => void outlooks.push(outlook),
  };
  return { source, reads, outlooks };
}

const observe = (source: IdentitySource, nowMs: number, verifiedClean: VerifiedCleanState, extra: Partial<ObserveInput> = {}) =>
  observeIdentities({
    source,
    policy,
    openIncidents: {},
    firstSeenInactive: {},
    verifiedClean,
    recheckCleanHours: 24,
    now: new Date(nowMs),
    logger: pino({ level: 'silent' }),
    accountPolicy: { applicationSlaHours: {}, exceptions: [] },
    ...extra,
  });

describe('observeIdentities with the re-check schedule', () => {
  it('verifies clean identities, skips them until due, and keeps reading the rest', async () => {
    const people = [
      person('clean', 30 * 24, ['disabled', 'disabled']),
      person('breaching', 10, ['enabled', 'disabled']),
      person('within-sla', 2, ['enabled']),
      person('unknown', 30 * 24, ['disabled', 'unknown']),
      person('excluded-only', 48, ['enabled'], 'HR Archive'),
    ];
    const { source, reads, outlooks } = sourceOf(people);
    const first = await observe(source, T0, emptyVerifiedClean());
    expect(Object.keys(first.verifiedClean.identities).sort()).toEqual(['clean', 'excluded-only']);
    expect(first.verifiedClean.identities.clean).toEqual([T0 / 1000, T0 - 30 * 24 * HOUR, 'standard']);
    expect(first.verifiedClean.excludedApplications).toEqual(['HR Archive']);
    // Clean identities without an incident leave nothing to decide: no observation kept.
    expect(first.observations.map((o) => o.identity.id).sort()).toEqual(['breaching', 'unknown']);
    expect([...reads.keys()].sort()).toEqual(['breaching', 'clean', 'excluded-only', 'unknown']);

    reads.clear();
    const second = await observe(source, T0 + 15 * 60_000, first.verifiedClean);
    expect([...reads.keys()].sort()).toEqual(['breaching', 'unknown']);
    expect(second).toMatchObject({ verifiedCleanSkipped: 2, verifiedCleanRechecked: 0, pastSla: 4, accountsFetched: 2 });
    expect(second.verifiedClean.identities).toEqual(first.verifiedClean.identities);
    expect(outlooks.at(-1)).toEqual({ verifiedCleanNotDue: 2 });

    // 24 h later both are due (due falls within [12 h, 24 h)): read, and verified anew; within-sla is past SLA by then.
    reads.clear();
    const third = await observe(source, T0 + 24 * HOUR, second.verifiedClean);
    expect([...reads.keys()].sort()).toEqual(['breaching', 'clean', 'excluded-only', 'unknown', 'within-sla']);
    expect(third).toMatchObject({ verifiedCleanSkipped: 0, verifiedCleanRechecked: 2 });
    expect(third.verifiedClean.identities.clean?.[0]).toBe((T0 + 24 * HOUR) / 1000);
  });

  it('a re-enabled account is seen at the re-check; a changed termination date or tier at once', async () => {
    const people = [person('a', 30 * 24, ['disabled']), person('b', 30 * 24, ['disabled']), person('c', 30 * 24, ['disabled'])];
    const { source, reads } = sourceOf(people);
    const first = await observe(source, T0, emptyVerifiedClean());
    (people[0]!.accounts as Account[])[0]!.status = 'enabled';
    people[1]!.identity.attributes.hrTerminationDate = new Date(T0 - 20 * 24 * HOUR).toISOString();
    people[2]!.identity.attributes.risk_tier = 'privileged';
    reads.clear();
    const second = await observe(source, T0 + HOUR, first.verifiedClean);
    expect([...reads.keys()].sort()).toEqual(['b', 'c']);
    expect(second.verifiedCleanRechecked).toBe(2);
    expect(second.verifiedClean.identities.b?.[1]).toBe(T0 - 20 * 24 * HOUR);
    expect(second.verifiedClean.identities.c?.[2]).toBe('privileged');
    expect(second.observations).toHaveLength(0); // 'a' not read yet: its re-check is not due

    const third = await observe(source, T0 + 24 * HOUR, second.verifiedClean);
    expect(third.observations.map((o) => [o.identity.id, o.accounts.kind === 'observed' && o.accounts.activeAccountCount])).toEqual([
      ['a', 1],
    ]);
    expect(third.verifiedClean.identities.a).toBeUndefined();
  });

  it('an open incident is read every cycle, and its clean read is kept as an observation (to resolve) and verified', async () => {
    const people = [person('open', 30 * 24, ['disabled'])];
    const { source, reads } = sourceOf(people);
    const verified = await observe(source, T0, emptyVerifiedClean());
    // An open incident carries its identity's id (as the state file keeps it): observe matches it to the listing by that id.
    const openIncidents = {
      'iiq-leaver-sla-open': { dedupKey: 'iiq-leaver-sla-open', identityId: 'open', identityName: 'open' } as OpenIncident,
    };
    const again = await observe(source, T0 + 15 * 60_000, verified.verifiedClean, { openIncidents });
    expect(reads.get('open')).toBe(2);
    expect(again.observations.map((o) => o.identity.id)).toEqual(['open']);
    expect(again.verifiedClean.identities.open?.[0]).toBe((T0 + 15 * 60_000) / 1000);
  });

  it('keeps verifications on an incomplete listing and on a failed read', async () => {
    const people = [person('p1', 30 * 24, ['disabled']), person('p2', 30 * 24, ['disabled']), person('p3', 30 * 24, ['disabled'])];
    const first = await observe(sourceOf(people).source, T0, emptyVerifiedClean());
    expect(Object.keys(first.verifiedClean.identities)).toHaveLength(3);
    people[0]!.accounts = 'fail';
    const { source } = sourceOf(people, { failAfterFirstPage: true });
    const second = await observe(source, T0 + 24 * HOUR, first.verifiedClean);
    expect(second.listingComplete).toBe(false);
    expect(second.readError).toContain('HTTP 500');
    // p1: due, read failed: its old verification stays (still due next cycle). p2: verified anew. p3: not reached.
    expect(second.verifiedClean.identities).toEqual({
      ...first.verifiedClean.identities,
      p2: [(T0 + 24 * HOUR) / 1000, T0 - 30 * 24 * HOUR, 'standard'],
    });
  });

  it('drops verifications once an application leaves excludedApplications, and records none with recheckCleanHours 0', async () => {
    const people = [person('x', 30 * 24, ['disabled'])];
    const { source, reads } = sourceOf(people);
    const first = await observe(source, T0, emptyVerifiedClean());
    const narrower = { ...policy, excludedApplications: new Set<string>() };
    await observe(source, T0 + 15 * 60_000, first.verifiedClean, { policy: narrower });
    const wider = { ...policy, excludedApplications: new Set(['HR Archive', 'Badge System']) };
    await observe(source, T0 + 30 * 60_000, first.verifiedClean, { policy: wider });
    expect(reads.get('x')).toBe(2); // read at 0 and after the narrowing; the wider list keeps the verification

    const off = await observe(source, T0 + 45 * 60_000, first.verifiedClean, { recheckCleanHours: 0 });
    expect(reads.get('x')).toBe(3);
    expect(off.verifiedClean.identities).toEqual({});
    expect(off).toMatchObject({ verifiedCleanSkipped: 0, verifiedCleanRechecked: 0 });
  });

  it('an identity id such as "__proto__" is a key like any other', async () => {
    const people = [person('__proto__', 30 * 24, ['disabled']), person('constructor', 30 * 24, ['disabled'])];
    const { source, reads } = sourceOf(people);
    const first = await observe(source, T0, emptyVerifiedClean());
    expect(Object.keys(first.verifiedClean.identities).sort()).toEqual(['__proto__', 'constructor']);
    const reparsed = JSON.parse(JSON.stringify(first.verifiedClean)) as VerifiedCleanState;
    reads.clear();
    const second = await observe(source, T0 + HOUR, reparsed);
    expect(reads.size).toBe(0);
    expect(second.verifiedCleanSkipped).toBe(2);
  });
});
