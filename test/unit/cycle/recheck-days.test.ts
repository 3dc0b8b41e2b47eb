/**
 * The re-check schedule over three simulated days, through runCycle with a fake source and sender
 * (the state file between cycles is real). Moved from the e2e suite, where it took ~20 CLI starts:
 * test/e2e/recheck.test.ts keeps the contract through the built CLI (a verification written by
 * one run skips the read in the next).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCycle } from '../../../src/cycle/run-cycle.js';
import { recheckDueAtMs } from '../../../src/sla/read-plan.js';
import type { Account } from '../../../src/source/identity-source.js';
import { HOUR_MS as HOUR } from '../../helpers/clock.js';
import { cycleInput, fakeConfig, fakeSender, fakeSource, leaver, type FakePerson } from '../../helpers/fake-cycle.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const JANE = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const JOHN = '1b2c3d4e5f60718293a4b5c6d7e8f90a';
const CHRIS = '2c3d4e5f60718293a4b5c6d7e8f90a1b';
const OLGA = '3d4e5f60718293a4b5c6d7e8f90a1b2c';
const HANK = '4e5f60718293a4b5c6d7e8f90a1b2c3d';

const account = (application: string, enabled: boolean): Account => ({ application, status: enabled ? 'enabled' : 'disabled' });

/** The demo's five leavers at T0 (src/sandbox/scenario.ts demoIdentities), as the fake source's people. */
function demoPeople(): FakePerson[] {
  return [
    {
      identity: leaver(JANE, T0, 5.2, { risk_tier: 'privileged' }),
      accounts: [account('Active Directory', true), account('Salesforce', true), account('GitHub', false)],
    },
    { identity: leaver(JOHN, T0, 20, { risk_tier: 'standard' }), accounts: [account('Active Directory', true), account('SAP ERP', false)] },
    { identity: leaver(CHRIS, T0, 2, { risk_tier: 'contractor' }), accounts: [account('Active Directory', true)] },
    {
      identity: leaver(OLGA, T0, 24 * 30, { risk_tier: 'standard' }),
      accounts: [account('Active Directory', false), account('Workday', false)],
    },
    { identity: leaver(HANK, T0, 48, { risk_tier: 'standard' }), accounts: [account('HR Archive', true)] },
  ];
}

describe('the re-check schedule over days (runCycle, fake source and sender)', () => {
  it('over three days: verified identities are re-read only when due, changes at once, new leavers and re-enabled accounts paged', async () => {
    const dir = makeTempDir('watchdog-recheck-days-');
    const config = fakeConfig(dir, {
      leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', defaultTier: 'standard', timezone: 'UTC' },
      slaHours: { privileged: 4, standard: 8, contractor: 6 },
      excludedApplications: ['HR Archive'],
    });
    const people = demoPeople();
    const source = fakeSource(people);
    let reads: Record<string, number> = {};
    const fetchAccounts = source.fetchAccounts.bind(source);
    source.fetchAccounts = (identity, ...rest) => {
      reads[identity.id] = (reads[identity.id] ?? 0) + 1;
      return fetchAccounts(identity, ...rest);
    };
    const sender = fakeSender();
    /** One cycle at `atMs`; the account reads per identity id it made and its summary. */
    const cycle = async (atMs: number) => {
      reads = {};
      const outcome = await runCycle(cycleInput(config, source, sender, new Date(atMs)));
      expect(outcome.exitCode).toBe(0);
      return { reads: { ...reads }, summary: outcome.summary as unknown as Record<string, number> };
    };
    const triggered = (id: string): number =>
      sender.events.filter((e) => e.event_action === 'trigger' && e.dedup_key === `iiq-leaver-sla-${id}`).length;
    const findPerson = (id: string) => people.find((p) => p.identity.id === id)!;

    const start = await cycle(T0);
    expect(start.reads).toEqual({ [JANE]: 1, [JOHN]: 1, [OLGA]: 1, [HANK]: 1 });
    expect(start.summary).toMatchObject({ verifiedCleanSkipped: 0, verifiedCleanRechecked: 0, triggered: 2 });
    const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));
    expect(state.verifiedClean).toEqual({
      excludedApplications: ['HR Archive'],
      identities: { [OLGA]: [T0 / 1000, T0 - 30 * 24 * HOUR, 'standard'], [HANK]: [T0 / 1000, T0 - 48 * HOUR, 'standard'] },
    });

    // 15 minutes later: only the open incidents are read.
    const quarter = await cycle(T0 + 15 * 60_000);
    expect(quarter.reads).toEqual({ [JANE]: 1, [JOHN]: 1 });
    expect(quarter.summary).toMatchObject({ verifiedCleanSkipped: 2, verifiedCleanRechecked: 0, linksFetched: 2 });

    // Olga's account is re-enabled after her verification: not seen until her re-check (the trade documented).
    (findPerson(OLGA).accounts as Account[])[0] = account('Active Directory', true);
    const olgaDue = recheckDueAtMs(OLGA, T0, 24);
    expect(olgaDue).toBeGreaterThanOrEqual(T0 + 12 * HOUR);
    expect((await cycle(T0 + HOUR)).reads[OLGA]).toBeUndefined();
    expect(triggered(OLGA)).toBe(0);

    // Chris (contractor, 6 h SLA, deadline T0 + 4 h) is paged in the first cycle after his deadline.
    expect((await cycle(T0 + 4 * HOUR)).reads[CHRIS]).toBeUndefined();
    const chrisDue = await cycle(T0 + 4 * HOUR + 15 * 60_000);
    expect(chrisDue.reads[CHRIS]).toBe(1);
    expect(triggered(CHRIS)).toBe(1);

    // Hank's termination date changes: read at once, verified anew under the new date.
    findPerson(HANK).identity.attributes.hrTerminationDate = new Date(T0 - 72 * HOUR).toISOString();
    const changed = await cycle(T0 + 5 * HOUR);
    expect(changed.reads[HANK]).toBe(1);
    expect(changed.summary).toMatchObject({ verifiedCleanRechecked: 1 });
    let hankVerifiedAt = T0 + 5 * HOUR;

    /** Hank is read in a cycle exactly when his re-check is due (then verified again at that cycle). */
    const expectHankOnSchedule = (at: number, cycleReads: Record<string, number>): void => {
      const due = at >= recheckDueAtMs(HANK, hankVerifiedAt, 24);
      expect(cycleReads[HANK], new Date(at).toISOString()).toBe(due ? 1 : undefined);
      if (due) hankVerifiedAt = at;
    };

    // Olga: not read a minute before her re-check, read (and paged) at it.
    const before = await cycle(olgaDue - 60_000);
    expect(before.reads[OLGA]).toBeUndefined();
    expectHankOnSchedule(olgaDue - 60_000, before.reads);
    const recheck = await cycle(olgaDue);
    expect(recheck.reads[OLGA]).toBe(1);
    expect(recheck.summary.verifiedCleanRechecked).toBeGreaterThanOrEqual(1);
    expect(triggered(OLGA)).toBe(1);
    expectHankOnSchedule(olgaDue, recheck.reads);

    // Three days of cycles every 6 hours: Hank is read exactly when his re-check falls due;
    // the open incidents (Jane, John, Chris, Olga) every cycle.
    for (let at = T0 + 24 * HOUR; at <= T0 + 72 * HOUR; at += 6 * HOUR) {
      const { reads: atReads } = await cycle(at);
      expectHankOnSchedule(at, atReads);
      for (const open of [JANE, JOHN, CHRIS, OLGA]) expect(atReads[open]).toBe(1);
    }
    expect(hankVerifiedAt).toBeGreaterThan(T0 + 48 * HOUR);
  });
});
