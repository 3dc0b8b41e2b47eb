/**
 * A simulated week of 15-minute cycles (no real time passes): the change read, observing with the
 * re-check schedule, and the watermark, over an in-process source whose accounts carry the
 * instant the source last changed them. 1 % of the verified-clean leavers a day have an account
 * re-enabled at a random instant; every one must be read, enabled, in the first cycle after it.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { nextAccountChanges, readAccountChanges } from '../../../src/cycle/account-changes.js';
import { observeIdentities } from '../../../src/cycle/observe.js';
import type { Account, Identity, IdentitySource } from '../../../src/source/identity-source.js';
import type { AccountChangesState } from '../../../src/cycle/account-changes.js';
import { emptyVerifiedClean } from '../../../src/state/state-file.js';
import { testPolicy } from '../../helpers/sla-fixtures.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;
const DAYS = 7;
const LEAVERS = 1000;
const PAGE = 250;

interface Leaver {
  identity: Identity;
  accounts: Account[];
  /** When the source last changed one of its accounts, by the source's own clock (which may be a few minutes off). */
  changedAtMs: number | undefined;
}

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG): the same week every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sourceOf(leavers: Leaver[]) {
  const stats = { accountReads: 0, changeReads: 0 };
  const source: IdentitySource = {
    async *listInactiveIdentities() {
      for (let i = 0; i < leavers.length; i += PAGE) yield await Promise.resolve(leavers.slice(i, i + PAGE).map((l) => l.identity));
    },
    fetchAccounts(identity) {
      stats.accountReads += 1;
      const leaver = leavers.find((l) => l.identity.id === identity.id);
      return Promise.resolve({ kind: 'accounts', accounts: leaver ? leaver.accounts.map((a) => ({ ...a })) : [] });
    },
    lookupIdentity() {
      return Promise.resolve({ kind: 'gone' });
    },
    fetchChangedAccountOwners(since) {
      stats.changeReads += 1;
      const owners = leavers.filter((l) => l.changedAtMs !== undefined && l.changedAtMs > since.getTime()).map((l) => l.identity.id);
      return Promise.resolve(new Set(owners));
    },
  };
  return { source, stats };
}

describe('a simulated week of re-enabled accounts', () => {
  it('pages every re-enabled account in the cycle after its change, reading few identities a cycle', async () => {
    const rand = random(20261124);
    const leavers: Leaver[] = Array.from({ length: LEAVERS }, (_, n) => ({
      identity: {
        id: `leaver-${String(n).padStart(5, '0')}`,
        name: `leaver${n}`,
        displayName: `Leaver ${n}`,
        inactive: true,
        attributes: { hrTerminationDate: new Date(T0 - (30 + (n % 300)) * 24 * HOUR).toISOString(), risk_tier: 'standard' },
      },
      accounts: [
        { application: 'Active Directory', status: 'disabled' },
        { application: 'Workday', status: 'disabled' },
      ],
      changedAtMs: undefined,
    }));
    const { source, stats } = sourceOf(leavers);
    const logger = pino({ level: 'silent' });
    const policy = testPolicy();

    // 1 % of the leavers a day, each at a random instant of that day (after the first cycle), off by up to 5 min of source clock.
    const events: { atMs: number; leaver: Leaver; stampMs: number }[] = [];
    for (let day = 0; day < DAYS; day++) {
      for (let k = 0; k < LEAVERS / 100; k++) {
        const atMs = T0 + day * 24 * HOUR + 1 + Math.floor(rand() * (24 * HOUR - 1));
        const leaver = leavers[Math.floor(rand() * LEAVERS)] as Leaver;
        events.push({ atMs, leaver, stampMs: atMs + Math.round((rand() * 2 - 1) * 5 * 60_000) });
      }
    }
    events.sort((a, b) => a.atMs - b.atMs);

    let verifiedClean = emptyVerifiedClean();
    let accountChanges: AccountChangesState | undefined;
    const pending = new Map<string, number>(); // identity id → when re-enabled, until a cycle reads it enabled
    const delaysMs: number[] = [];
    let nextEvent = 0;
    let paged = 0;
    let reEnabled = 0;
    let maxReadsInWarmCycle = 0;
    let changedReads = 0;
    for (let atMs = T0; atMs < T0 + DAYS * 24 * HOUR; atMs += QUARTER) {
      for (; nextEvent < events.length && (events[nextEvent] as (typeof events)[number]).atMs < atMs; nextEvent++) {
        const { leaver, atMs: enabledAtMs, stampMs } = events[nextEvent] as (typeof events)[number];
        (leaver.accounts[0] as Account).status = 'enabled';
        leaver.changedAtMs = Math.max(leaver.changedAtMs ?? 0, stampMs);
        if (!pending.has(leaver.identity.id)) {
          pending.set(leaver.identity.id, enabledAtMs);
          reEnabled += 1;
        }
      }
      const readsBefore = stats.accountReads;
      const changes = await readAccountChanges(source, accountChanges, logger);
      const observed = await observeIdentities({
        source,
        policy,
        accountPolicy: { applicationSlaHours: {}, exceptions: [] },
        openIncidents: {},
        firstSeenInactive: {},
        verifiedClean,
        recheckCleanHours: 24,
        now: new Date(atMs),
        logger,
        ...(changes.owners ? { changedAccountOwners: changes.owners } : {}),
      });
      accountChanges = nextAccountChanges({
        previous: accountChanges,
        read: changes,
        cycleStart: new Date(atMs),
        dryRun: false,
        accountChangedReads: observed.accountChangedReads,
      });
      verifiedClean = observed.verifiedClean;
      changedReads += observed.accountChangedReads;
      if (atMs > T0) maxReadsInWarmCycle = Math.max(maxReadsInWarmCycle, stats.accountReads - readsBefore);

      const pagedNow = new Set(
        observed.observations.filter((o) => o.accounts.kind === 'observed' && o.accounts.activeAccountCount > 0).map((o) => o.identity.id),
      );
      // Every re-enabled account is seen in this cycle, the first after its change.
      expect(
        [...pending.keys()].filter((id) => !pagedNow.has(id)),
        new Date(atMs).toISOString(),
      ).toEqual([]);
      for (const [id, enabledAtMs] of pending) {
        delaysMs.push(atMs - enabledAtMs);
        paged += 1;
        // The Leaver runs again: the account is disabled (a change the source stamps too).
        const leaver = leavers.find((l) => l.identity.id === id) as Leaver;
        (leaver.accounts[0] as Account).status = 'disabled';
        leaver.changedAtMs = atMs + 60_000;
      }
      pending.clear();
    }

    expect(paged).toBe(reEnabled);
    expect(reEnabled).toBeGreaterThanOrEqual(events.length - 2); // two re-enables of one leaver within one interval count once
    expect(Math.max(...delaysMs)).toBeLessThanOrEqual(QUARTER);
    expect(stats.changeReads).toBe(DAYS * 96 - 1); // every cycle but the first
    // A warm cycle reads the due re-checks (about 1/48 of 1,000 at most a few times over) and the changed owners, never everyone.
    expect(maxReadsInWarmCycle).toBeLessThan(LEAVERS / 10);
    console.info(
      `simulated week: ${events.length} re-enables (${reEnabled} distinct between cycles) over ${DAYS * 96} cycles, ${paged} paged, each in the next cycle (max delay ${(
        Math.max(...delaysMs) / 60_000
      ).toFixed(
        1,
      )} min); ${changedReads} identities read for reason "account changed"; at most ${maxReadsInWarmCycle} account reads in a warm cycle`,
    );
  });
});
