import { describe, expect, it } from 'vitest';
import {
  nextProcessingRequested,
  planProcessingRequests,
  processingRequestVerdict,
  type ProcessingRequestRule,
} from '../../../src/sla/processing-request.js';
import { HOUR_MS, NOW_MS } from '../../helpers/clock.js';

const MIN = 60_000;
const ON: ProcessingRequestRule = { enabled: true, afterMinutes: 30 };

describe('processingRequestVerdict', () => {
  it.each<[string, { terminatedAgoMs: number; lastAgoMs?: number | 'unreadable'; rule?: ProcessingRequestRule }, string]>([
    [
      'off: never, however stalled',
      { terminatedAgoMs: 48 * HOUR_MS, rule: { enabled: false, afterMinutes: 30 } },
      'no:processing requests off',
    ],
    ['29 min after termination: too soon', { terminatedAgoMs: 29 * MIN }, 'no:too soon after termination'],
    ['exactly 30 min after termination: due', { terminatedAgoMs: 30 * MIN }, 'due:first request'],
    ['within its SLA still: due (past SLA or not)', { terminatedAgoMs: HOUR_MS }, 'due:first request'],
    [
      'afterMinutes 0: due at the termination instant',
      { terminatedAgoMs: 0, rule: { enabled: true, afterMinutes: 0 } },
      'due:first request',
    ],
    ['accepted 3 h 59 min ago: waits', { terminatedAgoMs: 10 * HOUR_MS, lastAgoMs: 4 * HOUR_MS - MIN }, 'no:requested within the interval'],
    [
      'accepted exactly 4 h ago: due again',
      { terminatedAgoMs: 10 * HOUR_MS, lastAgoMs: 4 * HOUR_MS },
      'due:interval since last request passed',
    ],
    [
      'accepted "in the future" (clock stepped back): waits',
      { terminatedAgoMs: 10 * HOUR_MS, lastAgoMs: -HOUR_MS },
      'no:requested within the interval',
    ],
    ['unreadable last instant: asked again', { terminatedAgoMs: 10 * HOUR_MS, lastAgoMs: 'unreadable' }, 'due:first request'],
  ])('%s', (_name, { terminatedAgoMs, lastAgoMs, rule }, expected) => {
    const last = lastAgoMs === undefined ? undefined : lastAgoMs === 'unreadable' ? Number.NaN : NOW_MS - lastAgoMs;
    const verdict = processingRequestVerdict({ terminatedAtMs: NOW_MS - terminatedAgoMs }, last, rule ?? ON, NOW_MS);
    expect(`${verdict.due ? 'due' : 'no'}:${verdict.reason}`).toBe(expected);
  });
});

describe('planProcessingRequests', () => {
  const leaver = (id: string, terminatedAgoMs: number) => ({ id, name: id, terminatedAtMs: NOW_MS - terminatedAgoMs });

  it('picks the due leavers in order, each once; a failed request (never accepted) is due again', () => {
    const due = planProcessingRequests(
      [leaver('a', HOUR_MS), leaver('b', HOUR_MS), leaver('c', 10 * MIN), leaver('a', HOUR_MS), leaver('__proto__', HOUR_MS)],
      { b: new Date(NOW_MS - HOUR_MS).toISOString() },
      ON,
      NOW_MS,
    );
    expect(due.map((l) => l.id)).toEqual(['a', '__proto__']);
  });
});

describe('nextProcessingRequested', () => {
  const previous = { kept: '2026-11-24T08:00:00.000Z', started: '2026-11-24T08:00:00.000Z', open: '2026-11-24T08:00:00.000Z' };
  const keep = (id: string): boolean => id === 'kept' || id === 'open';

  it.each<[string, boolean, string[]]>([
    ['complete listing: only leavers still not started or with an open incident are kept', true, ['kept', 'new', 'open']],
    ['incomplete listing: nothing is dropped', false, ['kept', 'new', 'open', 'started']],
  ])('%s', (_name, listingComplete, expected) => {
    const next = nextProcessingRequested({ previous, accepted: { new: '2026-11-24T12:00:00.000Z' }, listingComplete, keep });
    expect(Object.keys(next).sort()).toEqual(expected);
  });

  it('an accepted request replaces the earlier instant', () => {
    const next = nextProcessingRequested({ previous, accepted: { kept: '2026-11-24T12:00:00.000Z' }, listingComplete: true, keep });
    expect(next.kept).toBe('2026-11-24T12:00:00.000Z');
  });
});
