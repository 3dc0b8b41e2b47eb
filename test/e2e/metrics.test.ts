import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, remediate } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { countOpenByTier, parseLastSuccessMs, renderMetrics, writeMetricsFile, type MetricsSample } from '../../src/state/metrics.js';

const SAMPLE: MetricsSample = {
  finishedAtMs: Date.parse('2026-11-24T12:00:05.250Z'),
  exitCode: 0,
  lastSuccessAtMs: Date.parse('2026-11-24T12:00:05.250Z'),
  durationMs: 1234,
  inactiveListed: 5,
  pastSla: 3,
  verifiedCleanSkipped: 40,
  verifiedCleanRechecked: 2,
  accountChangedReads: 1,
  changeWatermarkMs: Date.parse('2026-11-24T11:45:00.000Z'),
  openByTier: { standard: 1, privileged: 1, 'odd "tier"\\': 0 },
  eventsSent: { trigger: 2, retrigger: 0, resolve: 1 },
  deadLettered: 0,
  sourceRequests: 9,
};

describe('renderMetrics', () => {
  it('writes the Prometheus text format with HELP/TYPE, tiers sorted and labels escaped', () => {
    expect(renderMetrics(SAMPLE)).toBe(
      [
        '# HELP iiq_leaver_sla_watchdog_last_success_timestamp_seconds Unix time the last cycle that exited 0 finished (0: none recorded yet).',
        '# TYPE iiq_leaver_sla_watchdog_last_success_timestamp_seconds gauge',
        'iiq_leaver_sla_watchdog_last_success_timestamp_seconds 1795521605.25',
        '# HELP iiq_leaver_sla_watchdog_last_run_timestamp_seconds Unix time the last cycle finished, whatever its exit code.',
        '# TYPE iiq_leaver_sla_watchdog_last_run_timestamp_seconds gauge',
        'iiq_leaver_sla_watchdog_last_run_timestamp_seconds 1795521605.25',
        '# HELP iiq_leaver_sla_watchdog_last_run_exit_code Exit code of the last cycle (0 ok, 1 dead-lettered, 3 IIQ read failed).',
        '# TYPE iiq_leaver_sla_watchdog_last_run_exit_code gauge',
        'iiq_leaver_sla_watchdog_last_run_exit_code 0',
        '# HELP iiq_leaver_sla_watchdog_last_run_duration_seconds Duration of the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_last_run_duration_seconds gauge',
        'iiq_leaver_sla_watchdog_last_run_duration_seconds 1.234',
        '# HELP iiq_leaver_sla_watchdog_identities_inactive Inactive identities listed from IIQ in the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_identities_inactive gauge',
        'iiq_leaver_sla_watchdog_identities_inactive 5',
        '# HELP iiq_leaver_sla_watchdog_identities_not_started Leavers the source still shows active (termination past, within the lookback) in the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_identities_not_started gauge',
        'iiq_leaver_sla_watchdog_identities_not_started 0',
        '# HELP iiq_leaver_sla_watchdog_processing_requests Processing requests for leavers still active in the source, by outcome, in the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_processing_requests gauge',
        'iiq_leaver_sla_watchdog_processing_requests{outcome="accepted"} 0',
        'iiq_leaver_sla_watchdog_processing_requests{outcome="failed"} 0',
        '# HELP iiq_leaver_sla_watchdog_identities_past_sla Inactive identities past their SLA in the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_identities_past_sla gauge',
        'iiq_leaver_sla_watchdog_identities_past_sla 3',
        '# HELP iiq_leaver_sla_watchdog_identities_skipped_verified_clean Identities past SLA whose accounts were not read in the last cycle: verified clean, re-check not yet due.',
        '# TYPE iiq_leaver_sla_watchdog_identities_skipped_verified_clean gauge',
        'iiq_leaver_sla_watchdog_identities_skipped_verified_clean 40',
        '# HELP iiq_leaver_sla_watchdog_identities_rechecked Identities verified clean whose accounts were read again in the last cycle (re-check due, or termination or tier changed).',
        '# TYPE iiq_leaver_sla_watchdog_identities_rechecked gauge',
        'iiq_leaver_sla_watchdog_identities_rechecked 2',
        '# HELP iiq_leaver_sla_watchdog_identities_read_account_changed Identities whose accounts were read in the last cycle only because the source changed one of their accounts since the watermark.',
        '# TYPE iiq_leaver_sla_watchdog_identities_read_account_changed gauge',
        'iiq_leaver_sla_watchdog_identities_read_account_changed 1',
        '# HELP iiq_leaver_sla_watchdog_change_watermark_timestamp_seconds Unix time from which the next read of changed accounts starts (0: none, e.g. IIQ REST or before the first cycle).',
        '# TYPE iiq_leaver_sla_watchdog_change_watermark_timestamp_seconds gauge',
        'iiq_leaver_sla_watchdog_change_watermark_timestamp_seconds 1795520700',
        '# HELP iiq_leaver_sla_watchdog_breaches_open Open Leaver SLA incidents after the last cycle, by tier.',
        '# TYPE iiq_leaver_sla_watchdog_breaches_open gauge',
        'iiq_leaver_sla_watchdog_breaches_open{tier="odd \\"tier\\"\\\\"} 0',
        'iiq_leaver_sla_watchdog_breaches_open{tier="privileged"} 1',
        'iiq_leaver_sla_watchdog_breaches_open{tier="standard"} 1',
        '# HELP iiq_leaver_sla_watchdog_events_sent PagerDuty events delivered in the last cycle, by action.',
        '# TYPE iiq_leaver_sla_watchdog_events_sent gauge',
        'iiq_leaver_sla_watchdog_events_sent{action="trigger"} 2',
        'iiq_leaver_sla_watchdog_events_sent{action="retrigger"} 0',
        'iiq_leaver_sla_watchdog_events_sent{action="resolve"} 1',
        '# HELP iiq_leaver_sla_watchdog_dead_letters PagerDuty events dead-lettered in the last cycle.',
        '# TYPE iiq_leaver_sla_watchdog_dead_letters gauge',
        'iiq_leaver_sla_watchdog_dead_letters 0',
        '# HELP iiq_leaver_sla_watchdog_source_requests HTTP requests sent to the identity source (IIQ or ISC) in the last cycle (attempts, retries included).',
        '# TYPE iiq_leaver_sla_watchdog_source_requests gauge',
        'iiq_leaver_sla_watchdog_source_requests 9',
        '',
      ].join('\n'),
    );
  });

  it('never-succeeded is 0, and parseLastSuccessMs reads a previous file back', () => {
    expect(renderMetrics({ ...SAMPLE, lastSuccessAtMs: undefined })).toContain(
      '\niiq_leaver_sla_watchdog_last_success_timestamp_seconds 0\n',
    );
    expect(parseLastSuccessMs(renderMetrics(SAMPLE))).toBe(SAMPLE.lastSuccessAtMs);
    expect(parseLastSuccessMs(renderMetrics({ ...SAMPLE, lastSuccessAtMs: undefined }))).toBeUndefined();
    expect(parseLastSuccessMs('garbage')).toBeUndefined();
  });

  it('countOpenByTier lists every configured tier', () => {
    const incident = (tier: string) => ({ tier }) as never;
    expect(
      countOpenByTier({ a: incident('standard'), b: incident('standard'), c: incident('legacy') }, ['privileged', 'standard']),
    ).toEqual({ privileged: 0, standard: 2, legacy: 1 });
  });
});

describe('writeMetricsFile', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'watchdog-metrics-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('advances last success only on exit 0, carrying it over from the old file otherwise', async () => {
    const path = join(dir, 'watchdog.prom');
    const { lastSuccessAtMs: _unused, ...sample } = SAMPLE;
    await writeMetricsFile(path, { ...sample, exitCode: 3, finishedAtMs: 1_000_000 });
    expect(parseLastSuccessMs(readFileSync(path, 'utf8'))).toBeUndefined();
    await writeMetricsFile(path, { ...sample, exitCode: 0, finishedAtMs: 2_000_000 });
    expect(parseLastSuccessMs(readFileSync(path, 'utf8'))).toBe(2_000_000);
    await writeMetricsFile(path, { ...sample, exitCode: 1, finishedAtMs: 3_000_000 });
    const text = readFileSync(path, 'utf8');
    expect(parseLastSuccessMs(text)).toBe(2_000_000);
    expect(text).toContain('\niiq_leaver_sla_watchdog_last_run_timestamp_seconds 3000\n');
    expect(text).toContain('\niiq_leaver_sla_watchdog_last_run_exit_code 1\n');
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('metrics textfile after cycles through the built CLI', () => {
  const NOW = new Date('2026-11-24T12:00:00.000Z');
  const at = (minutes: number): string => new Date(NOW.getTime() + minutes * 60_000).toISOString();
  let dir: string;
  let iiq: FakeIiq;
  let pagerDuty: FakePagerDuty;
  let refuse = false;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watchdog-metrics-e2e-'));
    iiq = await startFakeIiq({
      identities: demoIdentities(NOW),
      fault: () => (refuse ? { status: 401, body: 'Unauthorized' } : undefined),
    });
    pagerDuty = await startFakePagerDuty();
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { metrics: { path: './watchdog.prom' } });
  });
  afterAll(async () => {
    await Promise.all([iiq.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (minutes: number, ...extra: string[]) =>
    runCli(['run', '--config', 'config.json', '--now', at(minutes), ...extra], { cwd: dir, env: { ...DEMO_ENV } });
  const metrics = (): Record<string, number> =>
    Object.fromEntries(
      readFileSync(join(dir, 'watchdog.prom'), 'utf8')
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => [
          line.slice(0, line.lastIndexOf(' ')).replace('iiq_leaver_sla_watchdog_', ''),
          Number(line.slice(line.lastIndexOf(' ') + 1)),
        ]),
    );

  it('writes the counts of each cycle; a failed cycle keeps the last success; a dry run writes nothing', async () => {
    const first = await run(0);
    expect(first.code).toBe(0);
    const afterFirst = metrics();
    expect(afterFirst).toMatchObject({
      last_run_exit_code: 0,
      identities_inactive: 5,
      identities_past_sla: 4,
      'breaches_open{tier="contractor"}': 0,
      'breaches_open{tier="privileged"}': 1,
      'breaches_open{tier="standard"}': 1,
      'events_sent{action="trigger"}': 2,
      'events_sent{action="retrigger"}': 0,
      'events_sent{action="resolve"}': 0,
      dead_letters: 0,
    });
    expect(afterFirst.source_requests).toBeGreaterThan(0);
    expect(afterFirst.last_success_timestamp_seconds).toBe(afterFirst.last_run_timestamp_seconds);

    refuse = true;
    const failed = await run(15);
    refuse = false;
    expect(failed.code).toBe(3);
    const afterFailure = metrics();
    expect(afterFailure.last_run_exit_code).toBe(3);
    expect(afterFailure.last_success_timestamp_seconds).toBe(afterFirst.last_success_timestamp_seconds);
    expect(afterFailure.last_run_timestamp_seconds).toBeGreaterThanOrEqual(afterFirst.last_run_timestamp_seconds!);

    const before = readFileSync(join(dir, 'watchdog.prom'), 'utf8');
    expect((await run(30, '--dry-run')).code).toBe(0);
    expect(readFileSync(join(dir, 'watchdog.prom'), 'utf8')).toBe(before);

    remediate(iiq.identities, 'jdoe');
    expect((await run(45)).code).toBe(0);
    expect(metrics()).toMatchObject({ last_run_exit_code: 0, 'breaches_open{tier="privileged"}': 0, 'events_sent{action="resolve"}': 1 });
    // Olga (all disabled) and Hank (only an excluded application) were verified clean at 0: not read at 45.
    expect(metrics()).toMatchObject({ identities_skipped_verified_clean: 2, identities_rechecked: 0 });

    // The audit these cycles wrote feeds `report`: two breaches, Jane's resolved 1.2 h + 45 min after her deadline.
    const report = await runCli(['report', '--config', 'config.json', '--format', 'json'], { cwd: dir, env: {} });
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout);
    expect(parsed.overall).toMatchObject({ breaches: 2, open: 1, resolved: 1 });
    expect(parsed.tiers.privileged.remediate_minutes).toEqual({ p50: 117, p95: 117 });
  });

  it('an unwritable metrics path is logged, not fatal', async () => {
    writeFileSync(join(dir, 'not-a-folder'), '');
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { metrics: { path: './not-a-folder/watchdog.prom' } });
    const result = await run(60);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('metrics file could not be written');
  });
});
