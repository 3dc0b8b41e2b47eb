import { EXCEPTION_CSV_HEADER, exceptionCsvRows, exceptionTableLines } from './format-exceptions.js';
import type { ExceptionsReport } from './full-report.js';
import { CHAIN_TASK_CSV_HEADER, chainTaskCsvRows, chainTaskTableLines, type ChainTaskEntry } from './chain-tasks.js';
import type { LeaverReport, ScopeFigures } from './summary.js';

/** What the table's heading says about where the figures come from. */
export interface ReportHeading {
  auditPath: string;
  since: string | undefined;
  /** Audit lines that could not be read (reported, not counted). */
  skippedLines: number;
  unmatchedResolves: number;
}

const COLUMNS = ['breaches', 'open', 'resolved', 'detect p50', 'detect p95', 'remediate p50', 'remediate p95'] as const;
/** How many applications the table lists (JSON and CSV list all). */
export const TABLE_APPLICATIONS = 10;

/** A plain-text table for a person (minutes; "-" where there is nothing to measure). */
export function formatReportTable(
  report: LeaverReport & { exceptions?: ExceptionsReport; chain_tasks?: ChainTaskEntry[] },
  heading: ReportHeading,
): string {
  const rows: string[][] = [
    ['', ...COLUMNS],
    ['overall', ...cells(report.overall)],
  ];
  for (const [tier, figures] of Object.entries(report.tiers)) rows.push([`tier ${tier}`, ...cells(figures)]);
  for (const [stage, figures] of Object.entries(report.stages ?? {})) rows.push([`stage ${stage}`, ...cells(figures)]);
  const lines = [
    `Leaver SLA report from ${heading.auditPath}${heading.since ? `, breaches first triggered since ${heading.since}` : ''}`,
    'times in minutes from the SLA deadline (nearest-rank percentiles)',
    '',
    ...alignRows(rows),
    '',
  ];
  if (report.applications.length === 0) {
    lines.push('No breaches.');
  } else {
    lines.push('Worst offenders (applications still enabled, by breaches)');
    const shown = report.applications.slice(0, TABLE_APPLICATIONS).map(({ application, breaches }) => [application, String(breaches)]);
    lines.push(...alignRows(shown).map((line) => `  ${line}`));
    const more = report.applications.length - shown.length;
    if (more > 0) lines.push(`  … and ${more} more (--format json or csv lists all)`);
  }
  if (report.exceptions) lines.push('', ...exceptionTableLines(report.exceptions, alignRows));
  if (report.chain_tasks && report.chain_tasks.length > 0) lines.push('', ...chainTaskTableLines(report.chain_tasks, alignRows));
  if (heading.skippedLines > 0)
    lines.push('', `Note: ${heading.skippedLines} audit line(s) could not be read and were left out (see the log on stderr).`);
  if (heading.unmatchedResolves > 0)
    lines.push('', `Note: ${heading.unmatchedResolves} resolve(s) had no earlier trigger in the log and were left out.`);
  return `${lines.join('\n')}\n`;
}

/** CSV (RFC 4180): one row per scope (overall, each tier) and one per application. */
export function formatReportCsv(report: LeaverReport & { exceptions?: ExceptionsReport; chain_tasks?: ChainTaskEntry[] }): string {
  const header = [
    'scope',
    'name',
    'breaches',
    'open',
    'resolved',
    'detect_p50_minutes',
    'detect_p95_minutes',
    'remediate_p50_minutes',
    'remediate_p95_minutes',
  ];
  const rows: string[][] = [header, ['overall', '', ...csvFigures(report.overall)]];
  for (const [tier, figures] of Object.entries(report.tiers)) rows.push(['tier', tier, ...csvFigures(figures)]);
  for (const [stage, figures] of Object.entries(report.stages ?? {})) rows.push(['stage', stage, ...csvFigures(figures)]);
  for (const { application, breaches } of report.applications)
    rows.push(['application', application, String(breaches), '', '', '', '', '', '']);
  // Exceptions per tier in the same columns, then the records in a second 9-column table after a blank line.
  const exceptions = report.exceptions && exceptionCsvRows(report.exceptions);
  if (exceptions) rows.push(...exceptions.tierRows);
  if (exceptions && exceptions.recordRows.length > 0) rows.push([], EXCEPTION_CSV_HEADER, ...exceptions.recordRows);
  // Chain task incidents in a table of their own: they are not leaver breaches.
  if (report.chain_tasks && report.chain_tasks.length > 0) rows.push([], CHAIN_TASK_CSV_HEADER, ...chainTaskCsvRows(report.chain_tasks));
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function cells(figures: ScopeFigures): string[] {
  return figureValues(figures, (value) => (value === null ? '-' : value.toFixed(1)));
}

function csvFigures(figures: ScopeFigures): string[] {
  return figureValues(figures, (value) => (value === null ? '' : String(value)));
}

function figureValues(figures: ScopeFigures, minutes: (value: number | null) => string): string[] {
  return [
    String(figures.breaches),
    String(figures.open),
    String(figures.resolved),
    minutes(figures.detect_minutes.p50),
    minutes(figures.detect_minutes.p95),
    minutes(figures.remediate_minutes.p50),
    minutes(figures.remediate_minutes.p95),
  ];
}

// The first column left-aligned, the others right-aligned.
function alignRows(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * One CSV cell, quoted when needed. Every cell a spreadsheet would run as a formula (one starting
 * with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, whatever it holds: a
 * cell that merely looks like a number is text from the audit log all the same. Pure.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
