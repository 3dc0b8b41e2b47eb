/**
 * isc.apiPaths "v1" through the built CLI against the fake ISC: SailPoint's per-resource paths
 * page and resolve exactly as the versioned ones do, and check works on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeIsc, type FakeIsc } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { JANE_DEDUP_KEY, JOHN_DEDUP_KEY, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';
import { errorLines } from '../helpers/cli-logs.js';

const LATER = new Date(NOW.getTime() + 15 * 60_000);

let dir: string;
let isc: FakeIsc;
let pagerDuty: FakePagerDuty;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-isc-paths-'));
  isc = await startFakeIsc({ identities: toIscIdentities(demoIdentities(NOW)) });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([isc.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function configFor(apiPaths: 'v3' | 'v1', pagerDutyUrl = pagerDuty.url): string {
  return writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDutyUrl }, iscConfigOverrides(isc.url, { retries: 1, apiPaths }));
}

/** Two cycles of the demo under `apiPaths` on a fresh fake ISC, PagerDuty and state: what was sent and asked. */
async function twoCycles(apiPaths: 'v3' | 'v1') {
  const own = mkdtempSync(join(tmpdir(), 'watchdog-isc-paths-'));
  const fake = await startFakeIsc({ identities: toIscIdentities(demoIdentities(NOW)) });
  const pd = await startFakePagerDuty();
  try {
    const config = writeDemoConfig(own, { iiq: fake.url, pagerDuty: pd.url }, iscConfigOverrides(fake.url, { retries: 1, apiPaths }));
    const run = (at: Date) => runCli(['run', '--config', config, '--now', at.toISOString()], { cwd: own, env: { ...ISC_DEMO_ENV } });
    const first = await run(NOW);
    const afterFirst = pd.accepted().map((e) => `${String(e.event_action)} ${String(e.dedup_key)}`);
    remediateIsc(fake.identities, 'jdoe');
    const second = await run(LATER);
    const all = pd.accepted().map((e) => `${String(e.event_action)} ${String(e.dedup_key)}`);
    return {
      codes: [first.code, second.code],
      stderr: `${first.stderr}${second.stderr}`,
      firstCycle: afterFirst.sort(),
      secondCycle: all.slice(afterFirst.length).sort(),
      byRoute: { ...fake.stats.byRoute },
      paths: Object.keys(fake.stats.byPath).sort(),
    };
  } finally {
    await Promise.all([fake.close(), pd.close()]);
    rmSync(own, { recursive: true, force: true });
  }
}

describe('isc.apiPaths "v1"', () => {
  it('a breach pages and resolves exactly as with v3, on /search/v1 and /accounts/v1 only', async () => {
    const v1 = await twoCycles('v1');
    expect(v1.codes, v1.stderr).toEqual([0, 0]);
    expect(v1.firstCycle).toEqual([`trigger ${JANE_DEDUP_KEY}`, `trigger ${JOHN_DEDUP_KEY}`]);
    expect(v1.secondCycle).toEqual([`resolve ${JANE_DEDUP_KEY}`]);
    expect(v1.paths).toEqual(['/accounts/v1', '/oauth/token', '/search/v1']);

    const v3 = await twoCycles('v3');
    expect(v3.codes, v3.stderr).toEqual([0, 0]);
    expect(v3.paths).toEqual(['/oauth/token', '/v3/accounts', '/v3/search']);
    // Same events, same number of requests of each kind.
    expect(v1.firstCycle).toEqual(v3.firstCycle);
    expect(v1.secondCycle).toEqual(v3.secondCycle);
    expect(v1.byRoute).toEqual(v3.byRoute);
  });

  it('check authenticates and reads one search page (and the not-started listing) on /search/v1', async () => {
    const probed = await startFakePagerDuty();
    onTestFinished(() => probed.close());
    const result = await runCli(['check', '--config', configFor('v1', probed.url)], { cwd: dir, env: { ...ISC_DEMO_ENV } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^isc +http:\/\/127\.0\.0\.1:\d+ \(lifecycle states inactive\): authenticated, first search page read$/m);
    // The first page of the inactive listing, then the not-started listing (one page here).
    expect(isc.stats.byPath).toEqual({ '/oauth/token': 1, '/search/v1': 2 });
  });

  it('apiPaths "v2": exit 2 naming the key, nothing contacted', async () => {
    const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url, { apiPaths: 'v2' }));
    const result = await runCli(['run', '--config', config], { cwd: dir, env: { ...ISC_DEMO_ENV } });
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr).map((line) => line.msg)).toEqual([
      'invalid config: isc.apiPaths: Invalid option: expected one of "v3"|"v1"',
    ]);
    expect(isc.stats.requests).toBe(0);
  });
});
