/** The re-check schedule of verified-clean identities: pure, with a fixed `now`. */
import { describe, expect, it } from 'vitest';
import { simulateRecheck } from '../../../bench/simulate-recheck.js';
import {
  countNotDue,
  decideRecheck,
  recheckDueAtMs,
  recheckFraction,
  verificationDueAtMs,
  verificationsStillHold,
  verifiedNow,
  type CleanVerification,
  type RecheckInput,
} from '../../../src/sla/read-plan.js';
import { NOW_MS as NOW, HOUR_MS as HOUR } from '../../helpers/clock.js';

const TERMINATED = Date.parse('2026-10-01T17:00:00.000Z');
const ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const FRACTION = recheckFraction(ID, Math.floor((NOW - 13 * HOUR) / 1000));
// Verified 13 h ago under a 24 h interval: due between 12 h and 24 h after, depending on the id.
const VERIFIED_AT = NOW - 13 * HOUR;
const DUE_AT = VERIFIED_AT + 12 * HOUR + Math.floor(FRACTION * 12 * HOUR);

const input = (overrides: Partial<RecheckInput> = {}): RecheckInput => ({
  identityId: ID,
  verification: verifiedNow(VERIFIED_AT, TERMINATED, 'standard'),
  terminatedAtMs: TERMINATED,
  tier: 'standard',
  hasOpenIncident: false,
  nowMs: DUE_AT - 1000,
  recheckCleanHours: 24,
  ...overrides,
});

describe('decideRecheck', () => {
  it.each<[string, Partial<RecheckInput>, string]>([
    ['verified, not yet due: skipped', {}, 'verified clean'],
    ['due exactly now', { nowMs: DUE_AT }, 're-check due'],
    ['past due', { nowMs: DUE_AT + HOUR }, 're-check due'],
    ['0 = every cycle, even when verified and not due', { recheckCleanHours: 0 }, 'read every cycle'],
    ['never verified (newly past SLA)', { verification: undefined }, 'not verified clean'],
    ['open incident wins over a verification', { hasOpenIncident: true }, 'open incident'],
    ['termination instant changed', { terminatedAtMs: TERMINATED + 86_400_000 }, 'termination instant changed'],
    ['termination instant changed by one millisecond', { terminatedAtMs: TERMINATED - 1 }, 'termination instant changed'],
    ['tier changed', { tier: 'privileged' }, 'tier changed'],
    ['verified in the future (clock stepped back): not trusted', { nowMs: VERIFIED_AT - HOUR }, 're-check due'],
  ])('%s', (_name, overrides, reason) => {
    expect(decideRecheck(input(overrides)).reason).toBe(reason);
  });

  it('a skip names when the re-check falls due', () => {
    expect(decideRecheck(input())).toEqual({ read: false, reason: 'verified clean', dueAtMs: DUE_AT });
  });

  it('an identity with an open incident is read even right after its verification', () => {
    expect(decideRecheck(input({ hasOpenIncident: true, nowMs: VERIFIED_AT + 1000 }))).toEqual({ read: true, reason: 'open incident' });
  });
});

describe('recheckDueAtMs', () => {
  it('falls in the second half of the interval after the verification, the same for the same id', () => {
    for (const hours of [1, 6, 24, 168]) {
      for (let i = 0; i < 500; i++) {
        const id = `identity-${i}`;
        const due = recheckDueAtMs(id, NOW, hours);
        expect(due).toBeGreaterThanOrEqual(NOW + (hours * HOUR) / 2);
        expect(due).toBeLessThan(NOW + hours * HOUR);
        expect(recheckDueAtMs(id, NOW, hours)).toBe(due);
      }
    }
  });

  it('spreads 20,000 identities verified together evenly over the 48 quarter hours of the second half', () => {
    const buckets = new Array<number>(48).fill(0);
    const hex = (n: number): string => n.toString(16).padStart(32, '0');
    for (let i = 0; i < 20_000; i++) {
      const offsetMs = recheckDueAtMs(hex(i * 7919), NOW, 24) - NOW - 12 * HOUR;
      buckets[Math.floor(offsetMs / (15 * 60_000))]! += 1;
    }
    const mean = 20_000 / 48;
    expect(Math.max(...buckets)).toBeLessThan(mean * 1.25);
    expect(Math.min(...buckets)).toBeGreaterThan(mean * 0.75);
  });

  it('a stored verification counts from its whole second', () => {
    const verification: CleanVerification = [Math.floor(NOW / 1000), TERMINATED, 'standard'];
    expect(verificationDueAtMs(ID, verification, 24)).toBe(recheckDueAtMs(ID, NOW, 24));
    expect(verifiedNow(NOW + 999, TERMINATED, 'standard')).toEqual([NOW / 1000, TERMINATED, 'standard']);
  });
});

describe('verificationsStillHold', () => {
  it.each<[string[], string[], boolean]>([
    [[], [], true],
    [['HR Archive'], ['HR Archive'], true],
    [['HR Archive'], ['HR Archive', 'Badge System'], true], // more excluded: a clean identity stays clean
    [['HR Archive', 'Badge System'], ['HR Archive'], false], // Badge System accounts count now
    [['HR Archive'], [], false],
  ])('%j then %j: %s', (before, now, holds) => {
    expect(verificationsStillHold(before, new Set(now))).toBe(holds);
  });
});

describe('countNotDue', () => {
  it('counts verifications a cycle at now would skip', () => {
    const verifications: Record<string, CleanVerification> = {
      notDue: verifiedNow(NOW - HOUR, TERMINATED, 'standard'),
      due: verifiedNow(NOW - 25 * HOUR, TERMINATED, 'standard'),
      withIncident: verifiedNow(NOW - HOUR, TERMINATED, 'standard'),
      future: verifiedNow(NOW + HOUR, TERMINATED, 'standard'),
    };
    expect(countNotDue(verifications, NOW, 24, (id) => id === 'withIncident')).toBe(1);
    expect(countNotDue(verifications, NOW, 0, () => false)).toBe(0);
  });
});

describe('the schedule over days of 15-minute cycles (the pure simulation behind npm run bench)', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `${(i * 2654435761) % 2 ** 32}`.padStart(12, '0'));
  const run = simulateRecheck({ identityIds: ids, recheckCleanHours: 24, cycleMinutes: 15, days: 5, startMs: NOW });

  it('re-reads every identity within recheckCleanHours of its last read', () => {
    expect(run.maxGapHours).toBeLessThanOrEqual(24);
    expect(run.perCycle.slice(0, 96).reduce((a, b) => a + b, 0)).toBe(4000); // each once in the first day
  });

  it('never re-checks more than 3 × the average share in one cycle, on the first day or later (no bunching)', () => {
    expect(run.averageShare).toBeCloseTo(4000 / 96);
    expect(run.maxPerCycle).toBeLessThanOrEqual(3 * run.averageShare);
    expect(Math.max(...run.perCycle.slice(96 * 3))).toBeLessThanOrEqual(2.5 * run.averageShare);
    expect(run.perCycle.slice(0, 47).every((n) => n === 0)).toBe(true); // nothing due in the first half
  });
});
