/** What `check` says about the re-check schedule, from the state file alone. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRecheck, formatRecheckLine } from '../../../src/commands/check-recheck.js';
import { parseConfig } from '../../../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-check-recheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = new Date('2026-11-24T12:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;

const configWith = (leaver: Record<string, unknown>, excludedApplications = ['HR Archive']) =>
  parseConfig(
    {
      iiq: { baseUrl: 'https://iiq.example.com/identityiq' },
      leaver: { terminationDateAttribute: 'hrTerminationDate', ...leaver },
      slaHours: { standard: 8 },
      excludedApplications,
      state: { path: './state.json' },
    },
    { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p' },
    dir,
    { routingKey: false },
  );
const writeStateFile = (verifiedClean: unknown, incidents: Record<string, unknown> = {}) =>
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, incidents, firstSeenInactive: {}, verifiedClean }));

describe('describeRecheck', () => {
  it('counts what a cycle now would skip and re-check', async () => {
    writeStateFile({
      excludedApplications: ['HR Archive'],
      identities: { fresh: [nowSeconds - 3600, 1, 'standard'], old: [nowSeconds - 30 * 3600, 1, 'standard'] },
    });
    const outlook = await describeRecheck(configWith({}), NOW);
    expect(outlook).toEqual({ recheckCleanHours: 24, verifiedClean: 2, skippedNow: 1, recheckedNow: 1 });
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
});
