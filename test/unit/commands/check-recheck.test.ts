/** What `check` says about the re-check schedule, from the state file alone. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRecheck, formatChangeReadLine, formatRecheckLine } from '../../../src/commands/check-recheck.js';
import { parseConfig } from '../../../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-check-recheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = new Date('2026-11-24T12:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;

const configWith = (leaver: Record<string, unknown>, excludedApplications = ['HR Archive'], api = 'rest') =>
  parseConfig(
    {
      iiq: { baseUrl: 'https://iiq.example.com/identityiq', api },
      leaver: { terminationDateAttribute: 'hrTerminationDate', ...leaver },
      slaHours: { standard: 8 },
      excludedApplications,
      state: { path: './state.json' },
    },
    { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p' },
    dir,
    { routingKey: false },
  );
const writeStateFile = (verifiedClean: unknown, incidents: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, incidents, firstSeenInactive: {}, verifiedClean, ...extra }));

describe('describeRecheck', () => {
  it('counts what a cycle now would skip and re-check', async () => {
    writeStateFile({
      excludedApplications: ['HR Archive'],
      identities: { fresh: [nowSeconds - 3600, 1, 'standard'], old: [nowSeconds - 30 * 3600, 1, 'standard'] },
    });
    const outlook = await describeRecheck(configWith({}), NOW);
    expect(outlook).toEqual({ recheckCleanHours: 24, verifiedClean: 2, skippedNow: 1, recheckedNow: 1, changeRead: { supported: false } });
    expect(formatRecheckLine(outlook)).toBe('every 24 h: 2 identities verified clean; a cycle now skips 1 and re-checks 1');
  });

  it('says when an application left excludedApplications, and when recheckCleanHours is 0', async () => {
    writeStateFile({ excludedApplications: ['HR Archive', 'Badge'], identities: { a: [nowSeconds, 1, 'standard'] } });
    const outlook = await describeRecheck(configWith({}), NOW);
    expect(outlook).toMatchObject({ verifiedClean: 1, skippedNow: 0, recheckedNow: 1 });
    expect(formatRecheckLine(outlook)).toContain('NOTE: an application left excludedApplications');
    expect(formatRecheckLine(await describeRecheck(configWith({ recheckCleanHours: 0 }), NOW))).toMatch(
      /^off \(leaver.recheckCleanHours 0\)/,
    );
  });

  it('reports a corrupt state file without moving or changing it', async () => {
    writeFileSync(join(dir, 'state.json'), '{"version":1,"incid');
    const outlook = await describeRecheck(configWith({}), NOW);
    expect(outlook.problem).toMatch(/state file not valid JSON/);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"version":1,"incid');
  });

  it("shows the watermark the next change read starts from, and the last cycle's reads for a changed account", async () => {
    const accountChanges = { watermark: '2026-11-24T11:45:00.000Z', accountChangedReads: 3 };
    writeStateFile({ excludedApplications: ['HR Archive'], identities: {} }, {}, { accountChanges });
    const scim = await describeRecheck(configWith({}, ['HR Archive'], 'scim'), NOW);
    expect(scim.changeRead).toEqual({ supported: true, ...accountChanges });
    expect(formatChangeReadLine(scim.changeRead)).toBe(
      'read every cycle; the next read starts at 2026-11-24T11:45:00.000Z; the last cycle read 3 identities because an account changed',
    );
    const rest = await describeRecheck(configWith({}), NOW);
    expect(rest.changeRead).toEqual({ supported: false });
    expect(formatChangeReadLine(rest.changeRead)).toMatch(/^not read: IIQ REST cannot list changed accounts/);
    writeStateFile({ excludedApplications: [], identities: {} });
    expect(formatChangeReadLine((await describeRecheck(configWith({}, [], 'scim'), NOW)).changeRead)).toMatch(/no watermark yet/);
  });
});
