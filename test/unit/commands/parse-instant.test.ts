/** `--now` (and `report --since`) must be a real instant; the calendar is checked, not left to Date.parse. */
import { describe, expect, it } from 'vitest';
import { parseInstantArgument } from '../../../src/commands/parse-instant.js';
import { ConfigError } from '../../../src/errors.js';

function errorOf(value: string, allowDate = false): string {
  try {
    parseInstantArgument('--now', value, { allowDate });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error(`accepted ${value}`);
}

describe('parseInstantArgument', () => {
  it.each([
    ['2026-11-24T09:00:00Z', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24T09:00Z', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24T09:00:00.123456Z', '2026-11-24T09:00:00.123Z'],
    ['2026-11-24T10:00:00+01:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24T04:00:00-0500', '2026-11-24T09:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
  ])('%s is %s', (value, iso) => expect(new Date(parseInstantArgument('--now', value)).toISOString()).toBe(iso));

  it.each([
    ['2026-02-30T09:00:00Z', 'February 2026 has 28 days'],
    ['2027-02-29T09:00:00Z', 'February 2027 has 28 days'],
    ['2026-04-31T09:00:00Z', 'April 2026 has 30 days'],
    ['2026-13-01T09:00:00Z', 'there is no month 13'],
    ['2026-00-10T09:00:00Z', 'there is no month 0'],
    ['2026-11-00T09:00:00Z', 'November 2026 has 30 days'],
    ['2026-11-24T24:00:00Z', 'there is no hour 24'],
    ['2026-11-24T09:60:00Z', 'there is no minute 60'],
    ['2026-11-24T09:00:60Z', 'there is no second 60'],
    ['2026-11-24T09:00:00+25:00', 'the offset +25:00 is not one of'],
    ['2026-11-24T09:00:00', 'it has no offset; add Z for UTC'],
    ['2026-11-24', 'give a time and an offset too'],
    ['1969-12-31T23:00:00Z', 'the year must be 1970 or later'],
    ['yesterday', 'expected YYYY-MM-DDTHH:MM'],
    ['1732438800000', 'expected YYYY-MM-DDTHH:MM'],
  ])('%s: exit 2 saying "%s"', (value, why) => {
    const message = errorOf(value);
    expect(message).toContain(`--now "${value}" is not an ISO 8601 instant such as 2026-11-24T09:00:00Z: `);
    expect(message).toContain(why);
  });

  it('report --since also takes a bare date (midnight UTC), checked the same way', () => {
    expect(new Date(parseInstantArgument('--since', '2026-11-03', { allowDate: true })).toISOString()).toBe('2026-11-03T00:00:00.000Z');
    expect(errorOf('2026-02-30', true)).toContain('February 2026 has 28 days');
  });
});
