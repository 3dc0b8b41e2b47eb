/**
 * A re-enabled leaver account is paged in the next cycle (the change read since the watermark),
 * through the built CLI with the default re-check schedule (24 h), over IIQ SCIM and ISC.
 * npm test builds first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { iscError, startFakeIsc, type FakeIsc } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { summaryOf } from '../helpers/cli-logs.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const MINUTE = 60_000;
const JANE = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const JOHN = '1b2c3d4e5f60718293a4b5c6d7e8f90a';
const OLGA = '3d4e5f60718293a4b5c6d7e8f90a1b2c';
const HANK = '4e5f60718293a4b5c6d7e8f90a1b2c3d';
const iso = (ms: number): string => new Date(ms).toISOString();

let dir: string;
let pagerDuty: FakePagerDuty;

const triggered = (id: string): number =>
  pagerDuty.accepted().filter((e) => e.event_action === 'trigger' && e.dedup_key === `iiq-leaver-sla-${id}`).length;
const stateWatermark = (): string | undefined =>
  (JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { accountChanges?: { watermark: string } }).accountChanges
    ?.watermark;

describe('IIQ SCIM: accounts changed since the watermark', () => {
  let iiq: FakeIiq;
  let fault: ((req: { path: string; query: URLSearchParams }) => FakeResponse | undefined) | undefined;

  beforeEach(async () => {
    fault = undefined;
    dir = mkdtempSync(join(tmpdir(), 'watchdog-changes-scim-'));
    iiq = await startFakeIiq({
      identities: demoIdentities(new Date(T0)),
      username: DEMO_ENV.IIQ_USERNAME,
      password: DEMO_ENV.IIQ_PASSWORD,
      fault: (req) => fault?.(req),
    });
    pagerDuty = await startFakePagerDuty();
    writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      { iiq: { baseUrl: iiq.url, api: 'scim', pageSize: 2, concurrency: 4, timeoutSeconds: 5, retries: 0, retryMinDelayMs: 10 } },
    );
  });
  afterEach(async () => {
    await Promise.all([iiq.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function cycle(atMs: number, args: string[] = []) {
    iiq.resetStats();
    const result = await runCli(['run', '--config', 'config.json', '--now', iso(atMs), ...args], { cwd: dir, env: { ...DEMO_ENV } });
    return { ...result, summary: summaryOf(result.stderr), reads: { ...iiq.stats.accountReads }, changePages: iiq.stats.changeReadPages };
  }
  const reEnable = (id: string, refreshedMs: number): void => {
    const link = iiq.identities.find((i) => i.id === id)!.links[0]!;
    link.disabled = false;
    link.lastRefresh = iso(refreshedMs); // what the aggregation that saw the change does
  };

  it('pages a re-enabled account of a verified-clean leaver in the next cycle; a failed change read is exit 3 and keeps the watermark', async () => {
    // First cycle: nothing to read changes against; the watermark becomes its start less 15 min.
    const first = await cycle(T0);
    expect(first.code, first.stderr).toBe(0);
    expect(first.changePages).toBe(0);
    expect(first.summary).toMatchObject({ changeWatermark: iso(T0 - 15 * MINUTE), accountChangedReads: 0 });
    expect(stateWatermark()).toBe(iso(T0 - 15 * MINUTE));

    // Olga (verified clean at T0, re-check at least 12 h away) has an account re-enabled and re-aggregated.
    reEnable(OLGA, T0 + 5 * MINUTE);
    const next = await cycle(T0 + 15 * MINUTE);
    expect(next.code, next.stderr).toBe(0);
    expect(next.changePages).toBe(1);
    expect(next.reads).toEqual({ [JANE]: 1, [JOHN]: 1, [OLGA]: 1 }); // Hank is still skipped: nobody else is added
    expect(next.summary).toMatchObject({ accountChangedReads: 1, verifiedCleanSkipped: 1, changeWatermark: iso(T0) });
    expect(triggered(OLGA)).toBe(1);

    // The change read fails: exit 3, the watermark stays, nobody else is read, nothing is resolved.
    // Hank (verified clean: only an excluded account) gets an enabled Active Directory account back.
    iiq.identities
      .find((i) => i.id === HANK)!
      .links.push({
        id: 'aaaabbbbccccddddeeeeffff00001111',
        application: 'Active Directory',
        nativeIdentity: 'CN=Hank Archive',
        displayName: 'Hank Archive',
        disabled: false,
        lastRefresh: iso(T0 + 20 * MINUTE),
      });
    fault = (req) =>
      req.path.endsWith('/scim/v2/Accounts') && req.query.get('filter')?.startsWith('lastRefresh')
        ? { status: 500, body: '{"status":"500"}', headers: { 'content-type': 'application/json' } }
        : undefined;
    const failed = await cycle(T0 + 30 * MINUTE);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.reads[HANK]).toBeUndefined();
    expect(failed.reads).toEqual({ [JANE]: 1, [JOHN]: 1, [OLGA]: 1 });
    expect(failed.summary).toMatchObject({ accountChangedReads: 0, changeWatermark: iso(T0), resolved: 0, triggered: 0 });
    expect(failed.summary.sourceReadError).toContain('/scim/v2/Accounts');
    expect(stateWatermark()).toBe(iso(T0));
    expect(triggered(HANK)).toBe(0);

    // The next successful read covers the gap: Hank is paged.
    fault = undefined;
    const recovered = await cycle(T0 + 45 * MINUTE);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.reads[HANK]).toBe(1);
    expect(triggered(HANK)).toBe(1);
    expect(stateWatermark()).toBe(iso(T0 + 30 * MINUTE));
  });

  it('a dry run does not advance the watermark, and a clock stepped back keeps the later one', async () => {
    expect((await cycle(T0)).code).toBe(0);
    expect((await cycle(T0 + 15 * MINUTE)).code).toBe(0);
    expect(stateWatermark()).toBe(iso(T0));

    reEnable(OLGA, T0 + 20 * MINUTE);
    const dry = await cycle(T0 + 30 * MINUTE, ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.reads[OLGA]).toBe(1); // a dry run reads changes like any cycle...
    expect(dry.summary).toMatchObject({ dryRun: true, accountChangedReads: 1, changeWatermark: iso(T0) });
    expect(stateWatermark()).toBe(iso(T0)); // ...but records nothing

    const back = await cycle(T0 - 2 * 60 * MINUTE);
    expect(back.code, back.stderr).toBe(0);
    expect(back.changePages).toBe(1);
    expect(back.reads[OLGA]).toBe(1);
    expect(stateWatermark()).toBe(iso(T0));
  });
});

describe('ISC: accounts modified since the watermark', () => {
  let isc: FakeIsc;
  let failChangeRead = false;

  beforeEach(async () => {
    failChangeRead = false;
    dir = mkdtempSync(join(tmpdir(), 'watchdog-changes-isc-'));
    isc = await startFakeIsc({
      identities: toIscIdentities(demoIdentities(new Date(T0))),
      fault: (req) =>
        failChangeRead && req.path === '/v3/accounts' && req.query.get('filters')?.startsWith('modified')
          ? iscError(500, 'Internal error')
          : undefined,
    });
    pagerDuty = await startFakePagerDuty();
    writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url, { retries: 0 }));
  });
  afterEach(async () => {
    await Promise.all([isc.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function cycle(atMs: number) {
    isc.resetStats();
    const result = await runCli(['run', '--config', 'config.json', '--now', iso(atMs)], { cwd: dir, env: { ...ISC_DEMO_ENV } });
    return { ...result, summary: summaryOf(result.stderr), changePages: isc.stats.changeReadPages };
  }
  const reEnable = (id: string, modifiedMs: number): void => {
    const account = isc.identities.find((i) => i.id === id)!.accounts[0]!;
    account.disabled = false;
    account.modified = iso(modifiedMs);
  };

  it('pages, in the next cycle, a verified-clean leaver and one skipped on its stale search document once an account is re-enabled', async () => {
    // The index lags: it still shows Jane's accounts enabled after her remediation, and keeps showing
    // Olga's disabled after the re-enable below.
    isc.lagIndex();
    remediateIsc(isc.identities, 'jdoe');
    const first = await cycle(T0);
    expect(first.code, first.stderr).toBe(0);
    expect(first.changePages).toBe(0);
    expect(triggered(JANE)).toBe(0);
    expect(first.summary).toMatchObject({ changeWatermark: iso(T0 - 15 * MINUTE) });

    reEnable(JANE, T0 + 5 * MINUTE); // verified clean at T0
    reEnable(OLGA, T0 + 6 * MINUTE); // skipped on her search document
    failChangeRead = true;
    const failed = await cycle(T0 + 15 * MINUTE);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.summary).toMatchObject({ accountChangedReads: 0, changeWatermark: iso(T0 - 15 * MINUTE), triggered: 0 });
    expect(stateWatermark()).toBe(iso(T0 - 15 * MINUTE));

    failChangeRead = false;
    const next = await cycle(T0 + 30 * MINUTE);
    expect(next.code, next.stderr).toBe(0);
    expect(next.changePages).toBe(1);
    expect(next.summary).toMatchObject({ accountChangedReads: 2, changeWatermark: iso(T0 + 15 * MINUTE) });
    expect(triggered(JANE)).toBe(1);
    expect(triggered(OLGA)).toBe(1);
  });
});
