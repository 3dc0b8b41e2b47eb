/** The auditors' report: exceptions per tier in every format, the self-contained HTML page, and all formats agreeing. */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_REPORT_NOW, sampleAuditRecords } from '../../dev/audit-fixture.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { buildFullReport, weekOf, type FullReport } from '../../src/report/full-report.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { readAuditBreaches } from '../../src/report/read-audit.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/audit-policy.jsonl', import.meta.url));
const NOW_MS = Date.parse(SAMPLE_REPORT_NOW);
const HEADING = { auditPath: '/var/lib/watchdog/audit.jsonl', since: undefined, skippedLines: 0, unmatchedResolves: 0 };

/** Everything in a page that would make a browser fetch something: must be empty for a self-contained page. */
function externalReferences(html: string): string[] {
  const patterns = [
    /https?:/gi,
    /\/\//g,
    /\bsrc\s*=/gi,
    /url\(\s*(?!["']?(#|data:))/gi,
    /@import/gi,
    /\b(?:xlink:)?href\s*=\s*["']?(?!#)/gi,
    /<(?:script|link|img|iframe|object|embed|audio|video|source|base)\b/gi,
  ];
  return patterns.flatMap((pattern) => [...html.matchAll(pattern)].map((m) => html.slice(Math.max(0, m.index - 30), m.index + 30)));
}

/** The value at a JSON path. */
function at(value: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);
}

/** Each `data-figure` of a page: its JSON path and the text shown. */
function htmlFigures(html: string): { path: (string | number)[]; text: string }[] {
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...html.matchAll(/data-figure="([^"]*)">([^<]*)</g)].map((m) => ({
    path: JSON.parse(decode(m[1]!)) as (string | number)[],
    text: decode(m[2]!),
  }));
}

/** RFC 4180 rows (quoted fields, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  return rows;
}

async function fixtureReport(): Promise<FullReport> {
  const audit = await readAuditBreaches(FIXTURE);
  return buildFullReport(audit.breaches, audit.exceptions, undefined, NOW_MS);
}

describe('the report data (exceptions, weeks, open breaches)', () => {
  it('the fixture is the one the generator makes (regenerate it with the generator when the generator changes)', () => {
    expect(readFileSync(FIXTURE, 'utf8')).toBe(
      `${sampleAuditRecords()
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
  });

  it('weeks start on Monday 00:00 UTC', () => {
    expect(weekOf(Date.parse('2026-11-23T00:00:00Z'))).toBe('2026-11-23');
    expect(weekOf(Date.parse('2026-11-29T23:59:59Z'))).toBe('2026-11-23');
    expect(weekOf(Date.parse('2026-11-22T23:59:59Z'))).toBe('2026-11-16');
  });

  it('exceptions per tier: counts, in force at the report instant, reasons, next expiry; weekly cohorts add up to the totals', async () => {
    const report = await fixtureReport();
    expect(report.exceptions).toMatchObject({ total: 6, in_force: 4, expired: 2 });
    expect(report.exceptions.tiers.standard).toEqual({
      count: 2,
      in_force: 2,
      expired: 0,
      reasons: [{ reason: 'legal hold LH-2291', count: 2 }],
      next_expiry: '2027-01-01T00:00:00.000Z',
    });
    expect(report.exceptions.tiers.contractor?.next_expiry).toBe('2026-11-30T17:00:00.000Z');
    expect(report.weekly.reduce((sum, w) => sum + w.breaches, 0)).toBe(report.overall.breaches);
    expect(report.open_breaches).toHaveLength(report.overall.open);
    expect(report.open_breaches.every((b, i, all) => i === 0 || all[i - 1]!.age_minutes >= b.age_minutes)).toBe(true);
  });
});

describe('the HTML page', () => {
  it('is self-contained: no script, and nothing that would load from anywhere else', async () => {
    const html = renderHtmlReport(await fixtureReport(), HEADING);
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    // The check itself can fail.
    expect(externalReferences('<img src="x.png"><a href="https://example.com">x</a><div style="background:url(//cdn/x)">')).toHaveLength(7);
  });

  it('has three charts, each with a <title>, a <desc> and axis labels; Okabe–Ito colours and dashes; a print style', async () => {
    const html = renderHtmlReport(await fixtureReport(), HEADING);
    const svgs = [...html.matchAll(/<svg [\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(3);
    for (const svg of svgs) {
      expect(svg).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
      expect(svg).toMatch(/<desc id="[^"]+">[^<]+<\/desc>/);
      expect(svg.match(/class="axis-label"/g)).toHaveLength(2);
    }
    expect(svgs[0]).toContain('week first paged (Monday, UTC)');
    expect(svgs[0]).toMatch(/time past the SLA deadline \((minutes|hours)\)/);
    expect(svgs[0]).toContain('stroke-dasharray');
    expect(svgs[0]).toContain('#0072B2');
    expect(svgs[2]).toContain('breaches');
    expect(html).toContain('@media print');
  });

  it('escapes what comes from the audit log: a hostile name is text, never markup', () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const report = buildFullReport(
      [
        {
          dedupKey: 'k',
          tier: hostile,
          slaDeadlineMs: NOW_MS - 3_600_000,
          firstTriggerMs: NOW_MS - 3_000_000,
          resolvedMs: undefined,
          detectMinutes: 10,
          remediateMinutes: undefined,
          applications: [hostile],
          identityName: hostile,
        },
      ],
      [
        {
          identityId: 'i',
          identityName: hostile,
          tier: hostile,
          applications: [hostile],
          until: hostile,
          expiresAtMs: undefined,
          reason: hostile,
          approvedBy: hostile,
          recordedAtMs: NOW_MS,
        },
      ],
      undefined,
      NOW_MS,
    );
    const html = renderHtmlReport(report, { ...HEADING, auditPath: hostile });
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });
});

describe('report through the built CLI: json, csv, table and html agree on every figure', () => {
  let dir: string;
  const report = (...args: string[]) =>
    runCli(['report', '--config', 'config.json', '--now', SAMPLE_REPORT_NOW, ...args], { cwd: dir, env: {} });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'watchdog-report-html-'));
    writeDemoConfig(dir, { iiq: 'http://127.0.0.1:9/identityiq', pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
    copyFileSync(FIXTURE, join(dir, 'audit.jsonl'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every figure of the page, the CSV and the table is the JSON figure', async () => {
    const json = JSON.parse((await report('--format', 'json')).stdout) as FullReport;
    expect(json.overall.breaches).toBeGreaterThan(50);

    const html = await report('--format', 'html');
    expect(html.code).toBe(0);
    const figures = htmlFigures(html.stdout);
    for (const { path, text } of figures) {
      const value = at(json, path);
      expect(value === null ? '–' : Number(text), JSON.stringify(path)).toBe(value === null ? text : value);
    }
    const paths = new Set(figures.map((f) => JSON.stringify(f.path)));
    for (const tier of Object.keys(json.tiers))
      for (const f of ['breaches', 'open', 'resolved']) expect(paths).toContain(JSON.stringify(['tiers', tier, f]));
    for (const tier of Object.keys(json.exceptions.tiers)) expect(paths).toContain(JSON.stringify(['exceptions', 'tiers', tier, 'count']));
    expect(figures.filter((f) => f.path[0] === 'weekly')).toHaveLength(json.weekly.length * 6);
    expect(figures.filter((f) => f.path[0] === 'open_breaches')).toHaveLength(json.open_breaches.length);

    const csv = parseCsv((await report('--format', 'csv')).stdout);
    const minutes = (v: number | null) => (v === null ? '' : String(v));
    const scope = (f: FullReport['overall']) =>
      [f.breaches, f.open, f.resolved]
        .map(String)
        .concat([f.detect_minutes.p50, f.detect_minutes.p95, f.remediate_minutes.p50, f.remediate_minutes.p95].map(minutes));
    expect(csv).toContainEqual(['overall', '', ...scope(json.overall)]);
    for (const [tier, f] of Object.entries(json.tiers)) expect(csv).toContainEqual(['tier', tier, ...scope(f)]);
    for (const a of json.applications)
      expect(csv).toContainEqual(['application', a.application, String(a.breaches), '', '', '', '', '', '']);
    for (const [tier, f] of Object.entries(json.exceptions.tiers))
      expect(csv).toContainEqual(['exceptions', tier, String(f.count), String(f.in_force), String(f.expired), '', '', '', '']);
    const header = csv.findIndex((row) => row[0] === 'identity_name');
    expect(csv[header - 1]).toEqual(['']);
    expect(csv.slice(header + 1).map((r) => [r[0], r[3], r[5], r[8]])).toEqual(
      json.exceptions.records.map((r) => [r.identity_name, r.until, r.reason, String(r.in_force)]),
    );

    const table = (await report()).stdout;
    const cells = (f: FullReport['overall']) =>
      [f.breaches, f.open, f.resolved]
        .map(String)
        .concat(
          [f.detect_minutes.p50, f.detect_minutes.p95, f.remediate_minutes.p50, f.remediate_minutes.p95].map((v) =>
            v === null ? '-' : v.toFixed(1),
          ),
        );
    expect(table).toMatch(new RegExp(`^overall +${cells(json.overall).join(' +')}$`, 'm'));
    for (const [tier, f] of Object.entries(json.tiers)) expect(table).toMatch(new RegExp(`^tier ${tier} +${cells(f).join(' +')}$`, 'm'));
    for (const a of json.applications.slice(0, 10)) expect(table).toMatch(new RegExp(`^  ${a.application} +${a.breaches}$`, 'm'));
    for (const [tier, f] of Object.entries(json.exceptions.tiers))
      expect(table).toMatch(new RegExp(`^  tier ${tier} +${f.count} +${f.in_force} +${f.expired} +${f.next_expiry ?? '-'}$`, 'm'));
  });

  it('--output writes the page atomically (no temp file left), the same page as stdout; an unwritable path is exit 2', async () => {
    const written = await report('--format', 'html', '--output', 'out/../report.html');
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe((await report('--format', 'html')).stdout);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const bad = await report('--format', 'html', '--output', join(dir, 'no-such-folder', 'report.html'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('could not be written: ENOENT');
  });
});
