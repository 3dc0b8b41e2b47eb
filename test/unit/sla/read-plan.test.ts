/** The read planner and what a read means for the verification: pure, table-driven, fixed instants. */
import { describe, expect, it } from 'vitest';
import { observeAccountsUnderPolicy, type AccountPolicy, type AccountsObservation } from '../../../src/sla/account-policy.js';
import { addOutcome, countOutcome, emptyObserveStats } from '../../../src/sla/read-plan.js';
import { isClean, needsDecision, planRead, verificationAfterRead, type ReadPlanInput } from '../../../src/sla/read-plan.js';
import type { LeaverVerdict } from '../../../src/sla/leaver.js';
import { recheckDueAtMs, type CleanVerification } from '../../../src/sla/read-plan.js';
import type { Account } from '../../../src/source/identity-source.js';
import { HOUR_MS as HOUR, NOW_MS as NOW } from '../../helpers/clock.js';
import { janeIncident } from '../../helpers/sla-fixtures.js';

const TERMINATED = NOW - 30 * HOUR;
const NO_POLICY: AccountPolicy = { applicationSlaHours: {}, exceptions: [] };
const pastSla = { severity: 'error' as const, slaHours: 8, elapsedMs: 30 * HOUR, terminatedAtMs: TERMINATED, tier: 'standard' };
const notYet = { severity: undefined, slaHours: 8, elapsedMs: 2 * HOUR, terminatedAtMs: NOW - 2 * HOUR, tier: 'standard' };
const verifiedAt = (ms: number, terminatedAtMs = TERMINATED, tier = 'standard'): CleanVerification => [ms / 1000, terminatedAtMs, tier];
const FRESH = verifiedAt(NOW - HOUR);
const DUE = verifiedAt(NOW - 30 * HOUR);
const SHOWN_INACTIVE: LeaverVerdict = { leaver: true, stage: 'started', reason: 'shown inactive' };
const NOT_STARTED: LeaverVerdict = { leaver: true, stage: 'not-started', reason: 'termination past, not rehired' };
const REHIRED: LeaverVerdict = { leaver: false, reason: 'rehired after termination' };

function input(overrides: Partial<ReadPlanInput> = {}): ReadPlanInput {
  return {
    identityId: 'id1',
    leaver: SHOWN_INACTIVE,
    assessment: pastSla,
    openIncident: undefined,
    verification: undefined,
    listedNotDisabledApplications: undefined,
    excludedApplications: new Set(['HR Archive']),
    accountPolicy: NO_POLICY,
    recheckCleanHours: 24,
    nowMs: NOW,
    ...overrides,
  };
}

describe('planRead', () => {
  const rows: [name: string, overrides: Partial<ReadPlanInput>, kind: string, reason: string][] = [
    [
      'no longer a leaver, with an incident: to the decision as it is',
      { leaver: REHIRED, openIncident: janeIncident() },
      'decided',
      'no longer a leaver',
    ],
    ['no longer a leaver, no incident: nothing to decide', { leaver: REHIRED }, 'skip', 'not a leaver'],
    ['a not-started leaver (still shown active) past SLA is read like any leaver', { leaver: NOT_STARTED }, 'read', 'first read'],
    ['a not-started leaver with an incident', { leaver: NOT_STARTED, openIncident: janeIncident() }, 'read', 'open incident'],
    ['a not-started leaver not past SLA', { leaver: NOT_STARTED, assessment: notYet }, 'skip', 'not past SLA'],
    ['not past any SLA, no incident', { assessment: notYet }, 'skip', 'not past SLA'],
    [
      'not past the tier SLA but past an application’s shorter one',
      { assessment: notYet, accountPolicy: { applicationSlaHours: { VPN: 1 }, exceptions: [] } },
      'read',
      'first read',
    ],
    ['not past SLA with an open incident', { assessment: notYet, openIncident: janeIncident() }, 'read', 'open incident'],
    [
      'listing shows only excluded applications',
      { listedNotDisabledApplications: ['HR Archive'] },
      'skip',
      'listing shows nothing enabled',
    ],
    ['listing shows nothing at all', { listedNotDisabledApplications: [] }, 'skip', 'listing shows nothing enabled'],
    [
      'listing shows nothing, but an incident is open',
      { listedNotDisabledApplications: [], openIncident: janeIncident() },
      'read',
      'open incident',
    ],
    ['listing shows an enabled account', { listedNotDisabledApplications: ['Active Directory'] }, 'read', 'first read'],
    ['first read past SLA', {}, 'read', 'first read'],
    ['recheckCleanHours 0 reads every cycle', { recheckCleanHours: 0, verification: FRESH }, 'read', 'read every cycle'],
    ['verified clean, re-check not due', { verification: FRESH }, 'skip', 'verified clean, re-check not due'],
    ['verified clean, re-check due', { verification: DUE }, 'read', 're-check due'],
    [
      'verified under another termination instant',
      { verification: verifiedAt(NOW - HOUR, TERMINATED - HOUR) },
      'read',
      'termination instant changed',
    ],
    ['verified under another tier', { verification: verifiedAt(NOW - HOUR, TERMINATED, 'privileged') }, 'read', 'tier changed'],
    ['verified, but an incident is open', { verification: FRESH, openIncident: janeIncident() }, 'read', 'open incident'],
    ['verified in the future (clock stepped back)', { verification: verifiedAt(NOW + HOUR) }, 'read', 're-check due'],
    ['verified, not due, but owns a changed account', { verification: FRESH, ownsChangedAccount: true }, 'read', 'account changed'],
    [
      'listing shows nothing, but owns a changed account',
      { listedNotDisabledApplications: [], ownsChangedAccount: true },
      'read',
      'account changed',
    ],
    [
      'a verification is not used for one past only an application’s SLA',
      {
        assessment: notYet,
        verification: FRESH,
        accountPolicy: { applicationSlaHours: { VPN: 1 }, exceptions: [] },
      },
      'read',
      'first read',
    ],
  ];
  it.each(rows)('%s', (_name, overrides, kind, reason) => {
    expect(planRead(input(overrides))).toMatchObject({ kind, reason });
  });

  it('a skip as verified clean keeps the verification; a re-check is marked as one', () => {
    expect(planRead(input({ verification: FRESH }))).toEqual({
      kind: 'skip',
      reason: 'verified clean, re-check not due',
      keepVerification: FRESH,
    });
    expect(planRead(input({ verification: DUE }))).toMatchObject({ rechecksVerification: true, verification: DUE });
    expect(planRead(input())).toMatchObject({ rechecksVerification: false });
    expect(planRead(input({ verification: FRESH, openIncident: janeIncident() }))).toMatchObject({ rechecksVerification: false });
    expect(recheckDueAtMs('id1', NOW - HOUR, 24)).toBeGreaterThan(NOW);
  });
});

const observed = (accounts: Account[], policy: AccountPolicy = NO_POLICY): AccountsObservation =>
  observeAccountsUnderPolicy(accounts, {
    identity: { id: 'id1', name: 'jdoe' },
    assessment: { ...pastSla, elapsedMs: NOW - TERMINATED },
    policy,
    excludedApplications: new Set(['HR Archive']),
    nowMs: NOW,
  });

describe('what a read means for the verification', () => {
  const clean = observed([
    { application: 'Active Directory', status: 'disabled' },
    { application: 'HR Archive', status: 'enabled' },
  ]);
  const enabled = observed([{ application: 'Active Directory', status: 'enabled' }]);
  const unknown = observed([{ application: 'Active Directory', status: 'unknown' }]);
  const withinGrace = observed([{ application: 'Payroll', status: 'enabled' }], { applicationSlaHours: { Payroll: 720 }, exceptions: [] });
  const after = (accounts: AccountsObservation, overrides: Partial<Parameters<typeof verificationAfterRead>[0]> = {}) =>
    verificationAfterRead({ accounts, assessment: pastSla, previous: DUE, recheckCleanHours: 24, nowMs: NOW, ...overrides });

  it.each([
    ['clean: verified now', clean, [NOW / 1000, TERMINATED, 'standard']],
    ['an enabled account: none', enabled, undefined],
    ['an account of unknown status: none', unknown, undefined],
    ['an account within its grace: none (it pages when the grace ends)', withinGrace, undefined],
    ['the identity is gone: none', { kind: 'identity-gone' } as const, undefined],
    ['a failed read keeps the verification it had', { kind: 'failed', error: 'HTTP 500' } as const, DUE],
  ])('%s', (_name, accounts, expected) => {
    expect(after(accounts)).toEqual(expected);
  });

  it('not past the tier SLA, or recheckCleanHours 0: never verified', () => {
    expect(after(clean, { assessment: notYet })).toBeUndefined();
    expect(after(clean, { recheckCleanHours: 0 })).toBeUndefined();
  });

  it('a clean read without an incident needs no decision; anything else does', () => {
    expect(isClean(clean)).toBe(true);
    expect(needsDecision(clean, false)).toBe(false);
    expect(needsDecision(clean, true)).toBe(true);
    expect(needsDecision(enabled, false)).toBe(true);
    expect(needsDecision({ kind: 'failed', error: 'x' }, false)).toBe(true);
  });
});

describe('countOutcome', () => {
  it('derives every count from the plans and the reads', () => {
    const read = (overrides: Partial<ReadPlanInput>) => planRead(input(overrides));
    const stats = [
      {
        kind: 'planned',
        via: 'listing',
        inactive: true,
        notStarted: false,
        pastSla: true,
        plan: read({}),
        accounts: observed([{ application: 'GitHub', status: 'unknown' }]),
      },
      {
        kind: 'planned',
        via: 'listing',
        inactive: true,
        notStarted: false,
        pastSla: true,
        plan: read({ verification: FRESH }),
        accounts: undefined,
      },
      {
        kind: 'planned',
        via: 'listing',
        inactive: true,
        notStarted: false,
        pastSla: true,
        plan: read({ verification: DUE }),
        accounts: { kind: 'failed', error: 'x' },
      },
      {
        kind: 'planned',
        via: 'listing',
        inactive: true,
        notStarted: false,
        pastSla: false,
        plan: read({ assessment: notYet }),
        accounts: undefined,
      },
      {
        kind: 'planned',
        via: 'listing',
        inactive: false,
        notStarted: false,
        pastSla: true,
        plan: read({ leaver: REHIRED }),
        accounts: undefined,
      },
      {
        kind: 'planned',
        via: 'listing',
        inactive: true,
        notStarted: false,
        pastSla: true,
        plan: read({ verification: FRESH, ownsChangedAccount: true }),
        accounts: observed([]),
      },
      {
        kind: 'planned',
        via: 'not-started',
        inactive: false,
        notStarted: true,
        pastSla: true,
        plan: read({ leaver: NOT_STARTED }),
        accounts: observed([]),
      },
      { kind: 'looked-up' },
      {
        kind: 'planned',
        via: 'lookup',
        inactive: true,
        notStarted: false,
        pastSla: true,
        plan: read({ openIncident: janeIncident() }),
        accounts: { kind: 'identity-gone' },
      },
    ] as const;
    const expected = {
      inactiveListed: 5,
      notStartedListed: 1,
      pastSla: 6,
      accountsFetched: 4,
      accountReadFailures: 1,
      identitiesLookedUp: 1,
      unknownStatusAccounts: 1,
      verifiedCleanSkipped: 1,
      verifiedCleanRechecked: 1,
      accountChangedReads: 1,
    };
    const start = emptyObserveStats();
    expect(stats.reduce(countOutcome, start)).toEqual(expected);
    // countOutcome is pure: the stats it was given are untouched.
    expect(start).toEqual(emptyObserveStats());
    // The in-place form, for a loop's own accumulator, counts the same and returns that accumulator.
    const accumulator = emptyObserveStats();
    for (const outcome of stats) expect(addOutcome(accumulator, outcome)).toBe(accumulator);
    expect(accumulator).toEqual(expected);
  });
});
