import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { parseAuditLine } from '../../src/report/audit-lines.js';
import { formatReportCsv, formatReportTable } from '../../src/report/format.js';
import { readAuditBreaches } from '../../src/report/read-audit.js';
import { buildReport, nearestRankPercentile } from '../../src/report/summary.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/audit-report.jsonl', import.meta.url));
const figures = (
  breaches: number,
  open: number,
  resolved: number,
  detect: [number | null, number | null],
  remediate: [number | null, number | null],
) => ({
  breaches,
  open,
  resolved,
  detect_minutes: { p50: detect[0], p95: detect[1] },
  remediate_minutes: { p50: remediate[0], p95: remediate[1] },
});

// The fixture's known answers (worked out by hand in its comments' terms):
// A privileged: detect 15, re-sent once, remediate 360. B standard: detect 5, still open.
// C standard: detect 30 / remediate 120, then re-opened: detect 2880 / remediate 2940.
// D contractor: detect 10 / remediate 60. Plus one orphan resolve and two unreadable lines.
const EXPECTED_ALL = {
  overall: figures(5, 1, 4, [15, 2880], [120, 2940]),
  tiers: {
    contractor: figures(1, 0, 1, [10, 10], [60, 60]),
    privileged: figures(1, 0, 1, [15, 15], [360, 360]),
    standard: figures(3, 1, 2, [30, 2880], [120, 2940]),
  },
  applications: [
    { application: 'Active Directory', breaches: 3 },
    { application: 'SAP ERP', breaches: 2 },
    { application: 'GitHub', breaches: 1 },
    { application: 'Salesforce', breaches: 1 },
    { application: 'Workday', breaches: 1 },
  ],
};

describe('nearestRankPercentile', () => {
  it.each([
    [[], 50, null],
    [[7], 50, 7],
    [[7], 95, 7],
    [[1, 2], 50, 1],
    [[1, 2], 95, 2],
    [[5, 10, 15, 30, 2880], 50, 15],
    [[5, 10, 15, 30, 2880], 95, 2880],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
  ])('%j p%d = %j', (values, percent, expected) => {
    expect(nearestRankPercentile(values, percent)).toBe(expected);
  });
});

describe('parseAuditLine', () => {
  it('skips what it cannot read, with a reason, and never throws', () => {
    expect(parseAuditLine('{oops')).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseAuditLine('[]').ok).toBe(false);
    expect(
      parseAuditLine(
        JSON.stringify({ sent_at: 'yesterday', event_action: 'trigger', dedup_key: 'k', tier: 't', sla_deadline: '2026-11-01T00:00:00Z' }),
      ),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('sent_at') });
    expect(
      parseAuditLine(JSON.stringify({ sent_at: '2026-11-01T00:00:00Z', event_action: 'trigger', dedup_key: 'k', tier: 't' })),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('sla_deadline') });
  });
});

describe('report on the fixture audit log', () => {
  it('counts each incident once, re-opened ones twice, open ones without a remediation time', async () => {
    const audit = await readAuditBreaches(FIXTURE);
    expect(audit.found).toBe(true);
    expect(audit.skipped.map((s) => s.line)).toEqual([3, 9]);
    expect(audit.unmatchedResolves.map((r) => r.dedupKey)).toEqual(['iiq-leaver-sla-id-z']);
    expect(buildReport(audit.breaches, undefined)).toEqual(EXPECTED_ALL);
  });

  it('--since keeps breaches first triggered at or after it', async () => {
    const { breaches } = await readAuditBreaches(FIXTURE);
    const report = buildReport(breaches, Date.parse('2026-11-03T00:30:00Z'));
    expect(report.overall).toEqual(figures(3, 0, 3, [30, 2880], [120, 2940]));
    expect(Object.keys(report.tiers)).toEqual(['contractor', 'standard']);
    expect(report.applications).toEqual([
      { application: 'SAP ERP', breaches: 2 },
      { application: 'Active Directory', breaches: 1 },
      { application: 'Workday', breaches: 1 },
    ]);
  });

  it('remediation time equals the resolves’ breach_minutes', async () => {
    const { breaches } = await readAuditBreaches(FIXTURE);
    expect(
      breaches
        .filter((b) => b.remediateMinutes !== undefined)
        .map((b) => b.remediateMinutes)
        .sort((a, b) => a! - b!),
    ).toEqual([60, 120, 360, 2940]);
  });

  it('formats a table and CSV', async () => {
    const report = buildReport((await readAuditBreaches(FIXTURE)).breaches, undefined);
    const table = formatReportTable(report, {
      auditPath: '/var/lib/watchdog/audit.jsonl',
      since: undefined,
      skippedLines: 2,
      unmatchedResolves: 1,
    });
    expect(table).toMatch(/^overall +5 +1 +4 +15\.0 +2880\.0 +120\.0 +2940\.0$/m);
    expect(table).toMatch(/^tier privileged +1 +0 +1 +15\.0 +15\.0 +360\.0 +360\.0$/m);
    expect(table).toMatch(/Active Directory {2}3/);
    expect(table).toContain('2 audit line(s) could not be read');
    const csv = formatReportCsv({ ...report, applications: [...report.applications, { application: '=cmd|"x", y', breaches: 1 }] }).split(
      '\r\n',
    );
    expect(csv[0]).toBe(
      'scope,name,breaches,open,resolved,detect_p50_minutes,detect_p95_minutes,remediate_p50_minutes,remediate_p95_minutes',
    );
    expect(csv[1]).toBe('overall,,5,1,4,15,2880,120,2940');
    expect(csv).toContain('tier,standard,3,1,2,30,2880,120,2940');
    expect(csv).toContain(`application,"'=cmd|""x"", y",1,,,,,,`);
  });

  it('a missing audit log is an empty report', async () => {
    const audit = await readAuditBreaches(join(tmpdir(), 'no-such-audit-log.jsonl'));
    expect(audit.found).toBe(false);
    expect(buildReport(audit.breaches, undefined)).toEqual({
      overall: figures(0, 0, 0, [null, null], [null, null]),
      tiers: {},
      applications: [],
    });
  });
});

describe('report through the built CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'watchdog-report-'));
    writeDemoConfig(dir, { iiq: 'http://127.0.0.1:9/identityiq', pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs neither IIQ secrets nor a routing key, and prints the report JSON', async () => {
    copyFileSync(FIXTURE, join(dir, 'audit.jsonl'));
    const result = await runCli(['report', '--config', 'config.json', '--format', 'json'], { cwd: dir, env: {} });
    expect(result.code).toBe(0);
    // Later additions (as_of, weekly, open_breaches, exceptions, chain_tasks) leave the base report's keys unchanged.
    const { as_of: asOf, weekly, open_breaches: openBreaches, exceptions, chain_tasks: chainTasks, ...spec7 } = JSON.parse(result.stdout);
    expect(spec7).toEqual(EXPECTED_ALL);
    expect(chainTasks).toEqual([]);
    expect([typeof asOf, weekly.length, openBreaches.map((b: { identity_name: string }) => b.identity_name), exceptions.total]).toEqual([
      'string',
      3,
      ['jsmith'],
      0,
    ]);
    const warnings = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(warnings.map((w) => w.level)).toEqual(['warn', 'warn']);
  });

  it('--since, table and csv', async () => {
    copyFileSync(FIXTURE, join(dir, 'audit.jsonl'));
    const json = await runCli(['report', '--config', 'config.json', '--format', 'json', '--since', '2026-11-03T00:30:00Z'], {
      cwd: dir,
      env: {},
    });
    expect(JSON.parse(json.stdout).overall.breaches).toBe(3);
    const table = await runCli(['report', '--config', 'config.json', '--since', '2026-11-03'], { cwd: dir, env: {} });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('since 2026-11-03T00:00:00.000Z');
    const csv = await runCli(['report', '--config', 'config.json', '--format', 'csv'], { cwd: dir, env: {} });
    expect(csv.stdout.split('\r\n')[1]).toBe('overall,,5,1,4,15,2880,120,2940');
  });

  it('no audit log: an empty report, exit 0; a bad --since: exit 2', async () => {
    rmSync(join(dir, 'audit.jsonl'), { force: true });
    const empty = await runCli(['report', '--config', 'config.json', '--format', 'json'], { cwd: dir, env: {} });
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout).overall.breaches).toBe(0);
    const bad = await runCli(['report', '--config', 'config.json', '--since', '2026-11-03T00:00:00'], { cwd: dir, env: {} });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });
});
