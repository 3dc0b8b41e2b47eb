import { describe, expect, it } from 'vitest';
import { parseTerminationInstant } from '../../../src/sla/leaver.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('parseTerminationInstant', () => {
  it.each([
    ['ISO date-time with offset', '2026-11-21T17:00:00.000-05:00', 'UTC', '2026-11-21T22:00:00.000Z'],
    ['ISO date-time Z', '2026-11-21T17:00:00Z', 'Europe/Berlin', '2026-11-21T17:00:00.000Z'],
    ['offset without colon', '2026-11-21T17:00:00+0130', 'UTC', '2026-11-21T15:30:00.000Z'],
    ['fractional seconds', '2026-11-21T17:00:00.123456Z', 'UTC', '2026-11-21T17:00:00.123Z'],
    ['date-time without offset is local to the zone', '2026-07-01T09:00:00', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['ISO date = midnight UTC', '2026-11-21', 'UTC', '2026-11-21T00:00:00.000Z'],
    ['ISO date = midnight in zone (winter)', '2026-01-15', 'Europe/Berlin', '2026-01-14T23:00:00.000Z'],
    ['ISO date = midnight in zone (summer)', '2026-07-15', 'Europe/Berlin', '2026-07-14T22:00:00.000Z'],
    ['day DST starts in New York', '2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['day after DST starts in New York', '2026-03-09', 'America/New_York', '2026-03-09T04:00:00.000Z'],
    ['day DST ends in New York', '2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z'],
    ['midnight inside a DST gap moves forward (Santiago)', '2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['wall time in a gap moves forward by the gap', '2026-03-29T02:30:00', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['wall time in an overlap takes the earlier instant', '2026-10-25T02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['half-hour zone', '2026-11-21', 'Asia/Kolkata', '2026-11-20T18:30:00.000Z'],
    ['epoch ms number', 1_795_000_000_000, 'UTC', '2026-11-18T11:06:40.000Z'],
    ['epoch ms digit string', '1795000000000', 'UTC', '2026-11-18T11:06:40.000Z'],
    ['the last instant accepted', '9999-12-31T23:59:59.999Z', 'UTC', '9999-12-31T23:59:59.999Z'],
  ])('%s', (_name, value, zone, expected) => {
    expect(iso(parseTerminationInstant(value, zone))).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['words', 'next tuesday'],
    ['impossible date', '2026-02-30'],
    ['impossible hour', '2026-11-21T25:00:00Z'],
    ['null', null],
    ['object', { date: '2026-11-21' }],
    ['NaN', Number.NaN],
    ['US format', '11/21/2026'],
    // Out of range instants crashed `check` ("Invalid time value"): unparseable everywhere.
    ['1e17 (beyond the Date range)', 1e17],
    ['epoch ms past year 9999', 999_999_999_999_999],
    ['epoch ms digit string past year 9999', '999999999999999'],
    ['year 9999 with an offset west of UTC', '9999-12-31T23:00:00-05:00'],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['negative epoch', -1],
  ])('rejects %s', (_name, value) => {
    expect(parseTerminationInstant(value, 'UTC')).toBeUndefined();
  });
});
