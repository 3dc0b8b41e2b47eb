/** Observing with the owners of changed accounts: who is added, who loses a verification. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { observeIdentities } from '../../../src/cycle/observe.js';
import type { Account, Identity, IdentitySource } from '../../../src/source/identity-source.js';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { emptyVerifiedClean, type VerifiedCleanState } from '../../../src/state/state-file.js';
import { testPolicy } from '../../helpers/sla-fixtures.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const HOUR = 3_600_000;

interface Person {
  identity: Identity;
  accounts: Account[] | 'fail';
}
const person = (id: string, hoursAgo: number, listed?: string[]): Person => ({
  identity: {
    id,
    name: id,
    displayName: id,
    inactive: true,
    attributes: { hrTerminationDate: new Date(T0 - hoursAgo * HOUR).toISOString(), risk_tier: 'standard' },
    ...(listed ? { listedNotDisabledApplications: listed } : {}),
  },
  accounts: [{ application: 'Active Directory', status: 'disabled' }],
});

function sourceOf(people: Person[], failAfterFirstPage = false) {
  const reads: string[] = [];
  const source: IdentitySource = {
    async *listInactiveIdentities() {
      for (let i = 0; i < people.length; i += 2) {
        if (i > 0 && failAfterFirstPage) throw new SourceReadError('IIQ GET /scim/v2/Users failed: HTTP 500');
        yield await Promise.resolve(people.slice(i, i + 2).map((p) => p.identity));
      }
    },
    lookupIdentity: () => Promise.resolve({ kind: 'gone' }),
    fetchAccounts(identity) {
      reads.push(identity.id);
      const accounts = people.find((p) => p.identity.id === identity.id)?.accounts;
      if (accounts === 'fail') return Promise.reject(new SourceReadError('IIQ GET /scim/v2/Accounts failed: HTTP 500'));
      return Promise.resolve({ kind: 'accounts', accounts: accounts ?? [] });
    },
  };
  return { source, reads };
}
const observe = (source: IdentitySource, nowMs: number, verifiedClean: VerifiedCleanState, changed?: string[]) =>
  observeIdentities({
    source,
    policy: testPolicy(),
    accountPolicy: { applicationSlaHours: {}, exceptions: [] },
    openIncidents: {},
    firstSeenInactive: {},
    verifiedClean,
    recheckCleanHours: 24,
    now: new Date(nowMs),
    logger: pino({ level: 'silent' }),
    ...(changed ? { changedAccountOwners: new Set(changed) } : {}),
  });

describe('observeIdentities with changed accounts', () => {
  it('reads the verified-clean and listing-skipped owners of changed accounts, and nobody else', async () => {
    const people = [person('a', 30 * 24), person('b', 30 * 24), person('within', 1), person('doc', 30 * 24, [])];
    const first = await observe(sourceOf(people).source, T0, emptyVerifiedClean());
    expect(Object.keys(first.verifiedClean.identities).sort()).toEqual(['a', 'b']);
    const { source, reads } = sourceOf(people);
    const second = await observe(source, T0 + HOUR, first.verifiedClean, ['a', 'within', 'doc', 'stranger']);
    expect(reads.sort()).toEqual(['a', 'doc']);
    expect(second).toMatchObject({ accountChangedReads: 2, verifiedCleanSkipped: 1, verifiedCleanRechecked: 0 });
    expect(second.verifiedClean.identities.a?.[0]).toBe((T0 + HOUR) / 1000); // verified anew by its clean read
  });

  it('an owner of a changed account not read completely loses its verification; the others keep theirs', async () => {
    const people = [person('p1', 30 * 24), person('p2', 30 * 24), person('p3', 30 * 24), person('p4', 30 * 24)];
    const first = await observe(sourceOf(people).source, T0, emptyVerifiedClean());
    people[0]!.accounts = 'fail';
    people[1]!.accounts = 'fail';
    const second = await observe(sourceOf(people, true).source, T0 + HOUR, first.verifiedClean, ['p1', 'p3']);
    expect(second.listingComplete).toBe(false);
    // p1: changed, read failed: dropped. p2: skipped (not due, not changed): kept. p3: changed, not reached: dropped. p4: kept.
    expect(Object.keys(second.verifiedClean.identities).sort()).toEqual(['p2', 'p4']);
    expect(second.verifiedClean.identities.p2).toEqual(first.verifiedClean.identities.p2);
  });
});
