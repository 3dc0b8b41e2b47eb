import type { ExceptionsReport } from './full-report.js';

/** How many exception records the table lists (JSON, CSV and HTML list all). */
const TABLE_RECORDS = 20;

/** The exceptions section of the table: per tier counts, reasons and next expiry, then the records. */
export function exceptionTableLines(exceptions: ExceptionsReport, align: (rows: string[][]) => string[]): string[] {
  if (exceptions.total === 0) return ['No approved exceptions kept a breach from paging.'];
  const lines = ['Approved exceptions (recorded when they kept overdue accounts from paging)'];
  const rows = [['', 'exceptions', 'in force', 'expired', 'next expiry']];
  for (const [tier, figures] of Object.entries(exceptions.tiers)) {
    rows.push([`tier ${tier}`, String(figures.count), String(figures.in_force), String(figures.expired), figures.next_expiry ?? '-']);
  }
  lines.push(...align(rows).map((line) => `  ${line}`), '  reasons:');
  for (const [tier, figures] of Object.entries(exceptions.tiers)) {
    lines.push(`    ${oneLine(tier)}: ${figures.reasons.map((r) => `${oneLine(r.reason)} (${r.count})`).join('; ')}`);
  }
  const records = exceptions.records
    .slice(0, TABLE_RECORDS)
    .map((r) =>
      [
        r.identity_name,
        r.tier,
        r.applications.join(', '),
        `until ${r.until}`,
        r.in_force ? 'in force' : 'EXPIRED',
        `${r.reason} (approved by ${r.approved_by})`,
      ].map(oneLine),
    );
  lines.push(...alignLeft(records).map((line) => `  ${line}`));
  if (exceptions.records.length > TABLE_RECORDS)
    lines.push(`  … and ${exceptions.records.length - TABLE_RECORDS} more (--format json, csv or html lists all)`);
  return lines;
}

/** Header of the CSV's exception section: 9 columns, like the figures table above it. */
export const EXCEPTION_CSV_HEADER = [
  'identity_name',
  'tier',
  'applications',
  'until',
  'expires_at',
  'reason',
  'approved_by',
  'recorded_at',
  'in_force',
];

/** Rows for the first CSV table (`exceptions,<tier>,count,in force,expired`) and the records of the second. */
export function exceptionCsvRows(exceptions: ExceptionsReport): { tierRows: string[][]; recordRows: string[][] } {
  const tierRows = Object.entries(exceptions.tiers).map(([tier, f]) => [
    'exceptions',
    tier,
    String(f.count),
    String(f.in_force),
    String(f.expired),
    '',
    '',
    '',
    '',
  ]);
  const recordRows = exceptions.records.map((r) => [
    r.identity_name,
    r.tier,
    r.applications.join('; '),
    r.until,
    r.expires_at ?? '',
    r.reason,
    r.approved_by,
    r.recorded_at,
    String(r.in_force),
  ]);
  return { tierRows, recordRows };
}

function alignLeft(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

// Text from the audit log stays on its row: line breaks and other control characters become spaces.
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
