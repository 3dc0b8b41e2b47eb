/** The change read's pure rules: the plan, the watermark, the read decision, and the verification kept. */
import { describe, expect, it } from 'vitest';
import { CHANGE_WATERMARK_SKEW_MS, decideWatermark, planChangeRead, type ChangeReadOutcome } from '../../../src/sla/account-changes.js';
import { countOutcome, emptyObserveStats, planRead, verificationAfterRead, type ReadPlanInput } from '../../../src/sla/read-plan.js';
import { janeIncident } from '../../helpers/sla-fixtures.js';
import { recheckDueAtMs, type CleanVerification } from '../../../src/sla/read-plan.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const HOUR = 3_600_000;
const SKEW = CHANGE_WATERMARK_SKEW_MS;

describe('planChangeRead', () => {
  it.each([
    [false, T0, { read: false, reason: 'the source cannot say which accounts changed' }],
    [true, undefined, { read: false, reason: 'first cycle: no watermark yet' }],
    [true, T0, { read: true, sinceMs: T0, reason: 'changes since the watermark' }],
  ] as const)('supported %s, watermark %s', (changeReadSupported, watermarkMs, expected) => {
    expect(planChangeRead({ changeReadSupported, watermarkMs })).toEqual(expected);
  });
});

describe('decideWatermark', () => {
  const start = T0 + HOUR;
  it.each<[string, number | undefined, ChangeReadOutcome, boolean, boolean, number | undefined, string]>([
    ['first cycle', undefined, 'not read', true, false, start - SKEW, 'set: first cycle'],
    ['after a successful read', T0, 'read', true, false, start - SKEW, 'advanced to this cycle start less the skew'],
    ['after a failed read', T0, 'failed', true, false, T0, 'kept: the change read failed'],
    ['first cycle whose read could not happen (failed)', undefined, 'failed', true, false, undefined, 'kept: the change read failed'],
    ['a dry run after a read', T0, 'read', true, true, T0, 'kept: a dry run records nothing'],
    ['a dry run on the first cycle', undefined, 'not read', true, true, undefined, 'kept: a dry run records nothing'],
    ['clock stepped back', start, 'read', true, false, start, 'kept: the clock is behind it'],
    ['clock stepped back less than the skew', start - SKEW / 2, 'read', true, false, start - SKEW / 2, 'kept: the clock is behind it'],
    ['IIQ REST', T0, 'not read', false, false, undefined, 'none: the source cannot say which accounts changed'],
  ])('%s', (_name, previousMs, outcome, changeReadSupported, dryRun, watermarkMs, reason) => {
    expect(decideWatermark({ previousMs, cycleStartMs: start, outcome, changeReadSupported, dryRun })).toEqual({ watermarkMs, reason });
  });

  it('over a run of cycles, never moves backwards whatever the clock does', () => {
    let watermarkMs: number | undefined;
    let highest = -Infinity;
    for (const offset of [0, 15, 30, -120, 45, 20, 60, 60, 75]) {
      watermarkMs = decideWatermark({
        previousMs: watermarkMs,
        cycleStartMs: T0 + offset * 60_000,
        outcome: 'read',
        changeReadSupported: true,
        dryRun: false,
      }).watermarkMs;
      expect(watermarkMs).toBeGreaterThanOrEqual(highest);
      highest = watermarkMs ?? highest;
    }
    expect(watermarkMs).toBe(T0 + 75 * 60_000 - SKEW);
  });
});

describe('planRead with a changed account', () => {
  const id = 'a1';
  const verifiedAtMs = T0 - HOUR;
  const terminatedAtMs = T0 - 100 * HOUR;
  const verification: CleanVerification = [verifiedAtMs / 1000, terminatedAtMs, 'standard'];
  const dueMs = recheckDueAtMs(id, verifiedAtMs, 24);
  const base: ReadPlanInput = {
    identityId: id,
    leaver: { leaver: true, stage: 'started', reason: 'shown inactive' },
    assessment: { severity: 'error', slaHours: 8, elapsedMs: 100 * HOUR, terminatedAtMs, tier: 'standard' },
    openIncident: undefined,
    verification,
    listedNotDisabledApplications: undefined,
    excludedApplications: new Set(['HR Archive']),
    accountPolicy: { applicationSlaHours: {}, exceptions: [] },
    recheckCleanHours: 24,
    nowMs: T0,
  };
  it.each<[string, Partial<ReadPlanInput>, { kind: string; reason: string }]>([
    ['verified clean, not due, nothing changed: skipped', {}, { kind: 'skip', reason: 'verified clean, re-check not due' }],
    ['verified clean, not due, owns a changed account: read', { ownsChangedAccount: true }, { kind: 'read', reason: 'account changed' }],
    [
      'due anyway: its own reason, not counted as a change',
      { ownsChangedAccount: true, nowMs: dueMs },
      { kind: 'read', reason: 're-check due' },
    ],
    ['never verified: read anyway', { ownsChangedAccount: true, verification: undefined }, { kind: 'read', reason: 'first read' }],
    ['open incident: read anyway', { ownsChangedAccount: true, openIncident: janeIncident() }, { kind: 'read', reason: 'open incident' }],
    ['schedule off: read anyway', { ownsChangedAccount: true, recheckCleanHours: 0 }, { kind: 'read', reason: 'read every cycle' }],
    [
      'listing shows nothing enabled, nothing changed: skipped on the listing',
      { verification: undefined, listedNotDisabledApplications: ['HR Archive'] },
      { kind: 'skip', reason: 'listing shows nothing enabled' },
    ],
    [
      'listing shows nothing enabled, owns a changed account: read',
      { verification: undefined, listedNotDisabledApplications: [], ownsChangedAccount: true },
      { kind: 'read', reason: 'account changed' },
    ],
    [
      'listing shows an enabled account: the schedule decides',
      { listedNotDisabledApplications: ['Active Directory'], ownsChangedAccount: true },
      { kind: 'read', reason: 'account changed' },
    ],
    [
      'listing shows nothing enabled but an incident is open: read for the incident',
      { listedNotDisabledApplications: [], openIncident: janeIncident() },
      { kind: 'read', reason: 'open incident' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(planRead({ ...base, ...overrides })).toMatchObject(expected);
  });

  it('an account-changed read is counted apart from the re-checks', () => {
    const plan = planRead({ ...base, ownsChangedAccount: true });
    const stats = countOutcome(emptyObserveStats(), {
      kind: 'planned',
      via: 'listing',
      inactive: true,
      notStarted: false,
      pastSla: true,
      plan,
      accounts: undefined,
    });
    expect(stats).toMatchObject({ accountChangedReads: 1, verifiedCleanRechecked: 0 });
  });
});

describe('verificationAfterRead of a failed read', () => {
  const verification: CleanVerification = [T0 / 1000, T0 - HOUR, 'standard'];
  const failed = { kind: 'failed', error: 'ISC GET /v3/accounts: HTTP 500' } as const;
  it.each([
    [verification, false, verification],
    [verification, true, undefined],
    [undefined, true, undefined],
    [undefined, false, undefined],
  ] as const)('verification %j, owns a changed account %s', (previous, ownsChangedAccount, kept) => {
    expect(
      verificationAfterRead({
        accounts: failed,
        assessment: { severity: 'error', terminatedAtMs: T0 - HOUR, tier: 'standard' },
        previous,
        recheckCleanHours: 24,
        nowMs: T0,
        ownsChangedAccount,
      }),
    ).toEqual(kept);
  });
});
