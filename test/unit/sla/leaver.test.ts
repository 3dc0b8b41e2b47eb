import { describe, expect, it } from 'vitest';
import { evaluateLeaver, evaluateLeaverOf, refreshedSinceTermination, type LeaverFacts } from '../../../src/sla/leaver.js';
import { HOUR_MS, NOW_MS } from '../../helpers/clock.js';

const DAY = 24 * HOUR_MS;
const facts = (overrides: Partial<LeaverFacts>): LeaverFacts => ({
  inactive: false,
  terminatedAtMs: NOW_MS - 6 * HOUR_MS,
  rehiredAtMs: undefined,
  nowMs: NOW_MS,
  lookbackDays: 30,
  ...overrides,
});

describe('evaluateLeaver', () => {
  it.each<[string, Partial<LeaverFacts>, string]>([
    ['shown inactive: started, whatever the dates', { inactive: true, terminatedAtMs: undefined }, 'started:shown inactive'],
    ['shown inactive with a rehire: still a leaver', { inactive: true, rehiredAtMs: NOW_MS - HOUR_MS }, 'started:shown inactive'],
    ['active, terminated 6 h ago: not started', {}, 'not-started:termination past, not rehired'],
    ['active, terminated exactly now: not started', { terminatedAtMs: NOW_MS }, 'not-started:termination past, not rehired'],
    ['active, termination tomorrow: not a leaver', { terminatedAtMs: NOW_MS + DAY }, 'no:termination in the future'],
    ['active, no termination instant: not a leaver', { terminatedAtMs: undefined }, 'no:no termination instant'],
    ['active, rehired after termination: not a leaver', { rehiredAtMs: NOW_MS - HOUR_MS }, 'no:rehired after termination'],
    ['rehire exactly now counts', { rehiredAtMs: NOW_MS }, 'no:rehired after termination'],
    ['rehire in the future does not count yet', { rehiredAtMs: NOW_MS + HOUR_MS }, 'not-started:termination past, not rehired'],
    ['rehire before the termination does not count', { rehiredAtMs: NOW_MS - DAY }, 'not-started:termination past, not rehired'],
    ['rehire equal to the termination does not count', { rehiredAtMs: NOW_MS - 6 * HOUR_MS }, 'not-started:termination past, not rehired'],
    ['31 days back, 30-day lookback: not newly listed', { terminatedAtMs: NOW_MS - 31 * DAY }, 'no:termination before the lookback'],
    ['exactly 30 days back: listed', { terminatedAtMs: NOW_MS - 30 * DAY }, 'not-started:termination past, not rehired'],
    [
      '31 days back without lookback (open incident): still a leaver',
      { terminatedAtMs: NOW_MS - 31 * DAY, lookbackDays: undefined },
      'not-started:termination past, not rehired',
    ],
  ])('%s', (_name, overrides, expected) => {
    const verdict = evaluateLeaver(facts(overrides));
    expect(verdict.leaver ? `${verdict.stage}:${verdict.reason}` : `no:${verdict.reason}`).toBe(expected);
  });

  it('reads the dates from the attributes in the configured formats', () => {
    const attributes = { terminationDateAttribute: 'hrTerminationDate', timeZone: 'UTC' };
    const rule = { notStartedLookbackDays: 30, rehireDateAttribute: 'rehireDate' };
    const at = (ms: number): string => new Date(ms).toISOString();
    const identity = (extra: Record<string, unknown>) => ({
      inactive: false,
      attributes: { hrTerminationDate: at(NOW_MS - 6 * HOUR_MS), ...extra },
    });
    expect(evaluateLeaverOf(identity({}), attributes, rule, NOW_MS, { withLookback: true })).toMatchObject({
      leaver: true,
      stage: 'not-started',
    });
    expect(
      evaluateLeaverOf(identity({ rehireDate: String(NOW_MS - HOUR_MS) }), attributes, rule, NOW_MS, { withLookback: true }),
    ).toMatchObject({
      leaver: false,
      reason: 'rehired after termination',
    });
    expect(evaluateLeaverOf(identity({ rehireDate: 'soon' }), attributes, rule, NOW_MS, { withLookback: true })).toMatchObject({
      leaver: true,
    });
    expect(
      evaluateLeaverOf({ inactive: false, attributes: { hrTerminationDate: '' } }, attributes, rule, NOW_MS, { withLookback: false }),
    ).toMatchObject({
      leaver: false,
      reason: 'no termination instant',
    });
  });
});

describe('refreshedSinceTermination', () => {
  it.each<[string, string | null | undefined, boolean]>([
    ['refreshed after termination', '2026-11-24T12:00:00.000Z', true],
    ['refreshed before termination', '2026-11-23T12:00:00.000Z', false],
    ['no refresh instant', null, false],
    ['the source gives none', undefined, false],
  ])('%s', (_name, lastRefresh, expected) => {
    expect(refreshedSinceTermination(lastRefresh, '2026-11-24T00:00:00.000Z')).toBe(expected);
  });
});
