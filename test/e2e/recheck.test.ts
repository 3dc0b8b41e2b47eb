/**
 * The re-check schedule end to end: the built CLI with `--now` against the fake
 * IIQ, which counts account reads per identity. npm test builds first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { summaryOf } from '../helpers/cli-logs.js';
import { HOUR_MS as HOUR } from '../helpers/clock.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const JANE = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const JOHN = '1b2c3d4e5f60718293a4b5c6d7e8f90a';
const OLGA = '3d4e5f60718293a4b5c6d7e8f90a1b2c';
const HANK = '4e5f60718293a4b5c6d7e8f90a1b2c3d';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-recheck-e2e-'));
  iiq = await startFakeIiq({ identities: demoIdentities(new Date(T0)), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const configure = (leaver: Record<string, unknown> = {}, api = 'scim'): void => {
  writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      iiq: { baseUrl: iiq.url, api, pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10 },
      leaver: {
        terminationDateAttribute: 'hrTerminationDate',
        tierAttribute: 'risk_tier',
        defaultTier: 'standard',
        timezone: 'UTC',
        ...leaver,
      },
    },
  );
};
/** One cycle at `atMs`; returns the account reads per identity id it made and its summary. */
async function cycle(atMs: number): Promise<{ reads: Record<string, number>; summary: Record<string, number> }> {
  iiq.resetStats();
  const result = await runCli(['run', '--config', 'config.json', '--now', new Date(atMs).toISOString()], {
    cwd: dir,
    env: { ...DEMO_ENV },
  });
  expect(result.code, result.stderr).toBe(0);
  const summary = summaryOf(result.stderr);
  return { reads: { ...iiq.stats.accountReads }, summary };
}

describe('the re-check schedule through the built CLI', () => {
  // The schedule over days (re-enabled accounts at the re-check, changed dates at once, new
  // leavers) is test/unit/cycle/recheck-days.test.ts over runCycle; here, the contract through
  // the CLI: a verification one run writes to the state file skips the read in the next run.
  it('a verification written by one run skips the read in the next; open incidents are read every cycle', async () => {
    configure();
    const start = await cycle(T0);
    expect(start.reads).toEqual({ [JANE]: 1, [JOHN]: 1, [OLGA]: 1, [HANK]: 1 });
    expect(start.summary).toMatchObject({ verifiedCleanSkipped: 0, verifiedCleanRechecked: 0, triggered: 2 });
    const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));
    expect(state.verifiedClean).toEqual({
      excludedApplications: ['HR Archive'],
      identities: { [OLGA]: [T0 / 1000, T0 - 30 * 24 * HOUR, 'standard'], [HANK]: [T0 / 1000, T0 - 48 * HOUR, 'standard'] },
    });

    // 15 minutes later: only the open incidents are read.
    const quarter = await cycle(T0 + 15 * 60_000);
    expect(quarter.reads).toEqual({ [JANE]: 1, [JOHN]: 1 });
    expect(quarter.summary).toMatchObject({ verifiedCleanSkipped: 2, verifiedCleanRechecked: 0, linksFetched: 2 });
  });

  it('recheckCleanHours 0 reads every identity past SLA every cycle (REST)', async () => {
    configure({ recheckCleanHours: 0 }, 'rest');
    for (const at of [T0, T0 + 15 * 60_000, T0 + HOUR]) {
      const { reads, summary } = await cycle(at);
      expect(reads).toEqual({ [JANE]: 1, [JOHN]: 1, [OLGA]: 1, [HANK]: 1 });
      expect(summary).toMatchObject({ verifiedCleanSkipped: 0, verifiedCleanRechecked: 0 });
    }
    expect(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).verifiedClean.identities).toEqual({});
  });

  it('a config with recheckCleanHours out of bounds is exit 2 naming the key', async () => {
    configure({ recheckCleanHours: 169 });
    const result = await runCli(['run', '--config', 'config.json'], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('leaver.recheckCleanHours');
    expect(iiq.stats.requests).toBe(0);
  });

  it('check says what a cycle now would skip and re-check, from the state file', async () => {
    // Real clock here: `check` has no --now.
    await iiq.close();
    iiq = await startFakeIiq({ identities: demoIdentities(new Date()), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
    configure();
    expect((await runCli(['run', '--config', 'config.json'], { cwd: dir, env: { ...DEMO_ENV } })).code).toBe(0);
    const json = await runCli(['check', '--config', 'config.json', '--format', 'json'], { cwd: dir, env: { ...DEMO_ENV } });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).recheck).toEqual({
      recheckCleanHours: 24,
      verifiedClean: 2,
      skippedNow: 2,
      recheckedNow: 0,
      // The first cycle read no changes and set the watermark: its start less 15 minutes.
      changeRead: { supported: true, watermark: expect.any(String), accountChangedReads: 0 },
    });
    const text = await runCli(['check', '--config', 'config.json'], { cwd: dir, env: { ...DEMO_ENV } });
    expect(text.stdout).toMatch(/^re-check +every 24 h: 2 identities verified clean; a cycle now skips 2 and re-checks 0$/m);
    expect(text.stdout).toMatch(/^changed accounts +read every cycle; the next read starts at \S+Z; the last cycle read 0 identities/m);
  });
});
