/** The change read's pure rules: the plan, the watermark, the read decision, and the verification kept. */
import { describe, expect, it } from 'vitest';
import {
  CHANGE_WATERMARK_SKEW_MS,
  decideAccountRead,
  decideWatermark,
  planChangeRead,
  skipOnListedAccounts,
  verificationKeptUnread,
  type ChangeReadOutcome,
} from '../../../src/sla/account-changes.js';
import { recheckDueAtMs, type CleanVerification } from '../../../src/sla/recheck.js';

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

describe('decideAccountRead', () => {
  const id = 'a1';
  const verifiedAtMs = T0 - HOUR;
  const verification: CleanVerification = [verifiedAtMs / 1000, T0 - 100 * HOUR, 'standard'];
  const notDueMs = T0;
  const dueMs = recheckDueAtMs(id, verifiedAtMs, 24);
  const base = {
    identityId: id,
    verification,
    terminatedAtMs: T0 - 100 * HOUR,
    tier: 'standard',
    hasOpenIncident: false,
    nowMs: notDueMs,
    recheckCleanHours: 24,
    listedNotDisabledApplications: undefined as readonly string[] | undefined,
    excludedApplications: new Set(['HR Archive']),
  };
  it.each<[string, Partial<typeof base> & { ownsChangedAccount?: boolean }, { read: boolean; reason: string }]>([
    ['verified clean, not due, nothing changed: skipped', {}, { read: false, reason: 'verified clean' }],
    ['verified clean, not due, owns a changed account: read', { ownsChangedAccount: true }, { read: true, reason: 'account changed' }],
    [
      'due anyway: its own reason, not counted as a change',
      { ownsChangedAccount: true, nowMs: dueMs },
      { read: true, reason: 're-check due' },
    ],
    ['never verified: read anyway', { ownsChangedAccount: true, verification: undefined }, { read: true, reason: 'not verified clean' }],
    ['open incident: read anyway', { ownsChangedAccount: true, hasOpenIncident: true }, { read: true, reason: 'open incident' }],
    ['schedule off: read anyway', { ownsChangedAccount: true, recheckCleanHours: 0 }, { read: true, reason: 'read every cycle' }],
    [
      'listing shows nothing enabled, nothing changed: skipped on the listing',
      { verification: undefined, listedNotDisabledApplications: ['HR Archive'] },
      { read: false, reason: 'listed without enabled accounts' },
    ],
    [
      'listing shows nothing enabled, owns a changed account: read',
      { verification: undefined, listedNotDisabledApplications: [], ownsChangedAccount: true },
      { read: true, reason: 'account changed' },
    ],
    [
      'listing shows an enabled account: the schedule decides',
      { listedNotDisabledApplications: ['Active Directory'], ownsChangedAccount: true },
      { read: true, reason: 'account changed' },
    ],
    [
      'listing shows nothing enabled but an incident is open: read for the incident',
      { listedNotDisabledApplications: [], hasOpenIncident: true },
      { read: true, reason: 'open incident' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(decideAccountRead({ ...base, ...overrides })).toMatchObject(expected);
  });
});

describe('skipOnListedAccounts', () => {
  const excluded = new Set(['HR Archive']);
  it.each<[readonly string[] | undefined, boolean, boolean, boolean]>([
    [undefined, false, false, false],
    [[], false, false, true],
    [['HR Archive'], false, false, true],
    [['Active Directory'], false, false, false],
    [[], true, false, false],
    [[], false, true, false],
  ])('listed %j, incident %s, changed %s: skip %s', (listed, hasOpenIncident, ownsChangedAccount, skip) => {
    expect(
      skipOnListedAccounts({ listedNotDisabledApplications: listed, excludedApplications: excluded, hasOpenIncident, ownsChangedAccount }),
    ).toBe(skip);
  });
});

describe('verificationKeptUnread', () => {
  const verification: CleanVerification = [T0 / 1000, T0 - HOUR, 'standard'];
  it.each([
    [verification, false, verification],
    [verification, true, undefined],
    [undefined, true, undefined],
    [undefined, false, undefined],
  ] as const)('verification %j, owns a changed account %s', (given, changed, kept) => {
    expect(verificationKeptUnread(given, changed)).toEqual(kept);
  });
});
