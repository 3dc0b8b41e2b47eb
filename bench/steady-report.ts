/**
 * Runs the steady-state scenario at each latency, the pure schedule over a week, and
 * the state-file measurements, and prints them as Markdown tables with the targets checked.
 */
import { generatePopulation } from '../src/sandbox/fake-iiq.js';
import { simulateRecheck } from './simulate-recheck.js';
import { measureStateFile } from './state-size.js';
import { runSteadyState, type SteadyCheck, type SteadyMode, type SteadyRow } from './steady-state.js';

/** What the steady-state part of the bench runs. */
export interface SteadyReportOptions {
  identities: number;
  accountsPerIdentity: number;
  breachingFraction: number;
  latenciesMs: readonly number[];
  concurrency: number;
  pageSize: number;
  modes: readonly SteadyMode[];
  catchUp: boolean;
  stateSizes: readonly number[];
  simulatedDays: number;
}

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const MB = 1024 * 1024;

/** Runs and prints everything; true when every check passed. */
export async function printSteadyReport(o: SteadyReportOptions, print: (line: string) => void): Promise<boolean> {
  const checks: SteadyCheck[] = [];
  print(
    `\n## Steady state: ${o.identities} inactive identities × ${o.accountsPerIdentity} accounts, ${o.breachingFraction * 100} % breaching, ` +
      `concurrency ${o.concurrency}, page size ${o.pageSize}, recheckCleanHours 24`,
  );
  print(
    '(cold, +15 min, +12 h and +24 h are real cycles of the built CLI; the 15-minute cycles between them are played on the pure schedule)',
  );
  for (const latencyMs of o.latenciesMs) {
    print(`\n### ${latencyMs} ms per request\n`);
    print(
      '| mode | cycle | IIQ requests | = listing pages + change-read pages + incidents and new + changed accounts + re-checks due + other | accounts served by IIQ | identities read | skipped as verified clean | re-checked | events delivered | wall time | peak RSS |',
    );
    print('|---|---|---|---|---|---|---|---|---|---|---|');
    const result = await runSteadyState({
      identities: o.identities,
      accountsPerIdentity: o.accountsPerIdentity,
      breachingFraction: o.breachingFraction,
      latencyMs,
      concurrency: o.concurrency,
      pageSize: o.pageSize,
      modes: o.modes,
      catchUp: o.catchUp && latencyMs < 100,
      onRow: (row) => {
        print(formatRow(row));
        process.stderr.write(`done: ${latencyMs} ms ${formatRow(row)}\n`);
      },
    });
    checks.push(...result.checks.map((c) => ({ ...c, name: `${latencyMs} ms, ${c.name}` })));
  }

  const ids = generatePopulation({ count: o.identities, accountsPerIdentity: 1, breachingFraction: 0, now: new Date(NOW) }).map(
    (i) => i.id,
  );
  const simulation = simulateRecheck({ identityIds: ids, recheckCleanHours: 24, cycleMinutes: 15, days: o.simulatedDays, startMs: NOW });
  const firstDayMax = Math.max(...simulation.perCycle.slice(0, 96));
  const laterMax = Math.max(0, ...simulation.perCycle.slice(96));
  print(
    `\n### Re-check schedule: ${o.simulatedDays} days of 15-minute cycles (pure schedule, ${o.identities} identities verified clean at the first cycle)\n`,
  );
  print(`- average share: ${simulation.averageShare.toFixed(0)} re-checks a cycle (${o.identities} identities / 96 cycles a day)`);
  print(
    `- largest number of re-checks in one cycle: ${firstDayMax} on the first day (${(firstDayMax / simulation.averageShare).toFixed(2)} × the share), ` +
      `${laterMax} afterwards (${(laterMax / simulation.averageShare).toFixed(2)} ×)`,
  );
  print(`- longest time between two reads of one identity: ${simulation.maxGapHours.toFixed(2)} h`);
  print(
    `- re-checks over the whole run: ${simulation.perCycle.reduce((a, b) => a + b, 0)} (${(simulation.perCycle.reduce((a, b) => a + b, 0) / o.simulatedDays).toFixed(0)} a day)`,
  );
  checks.push({
    mode: 'scim',
    name: 'schedule: no cycle re-checks more than 3 × the average share',
    ok: simulation.maxPerCycle <= 3 * simulation.averageShare,
    detail: `${simulation.maxPerCycle}`,
  });
  checks.push({
    mode: 'scim',
    name: 'schedule: every verified identity re-read within recheckCleanHours',
    ok: simulation.maxGapHours <= 24,
    detail: `${simulation.maxGapHours.toFixed(2)} h`,
  });

  print('\n### State file (writeState: atomic, fsync; readState: parse and validate)\n');
  print('| identities verified clean | size | write | read |');
  print('|---|---|---|---|');
  for (const identities of o.stateSizes) {
    const row = await measureStateFile(identities);
    print(`| ${identities} | ${(row.bytes / MB).toFixed(2)} MB | ${row.writeMs.toFixed(0)} ms | ${row.readMs.toFixed(0)} ms |`);
    if (identities >= 100_000) {
      checks.push({
        mode: 'scim',
        name: `state file at ${identities}: under 10 MB`,
        ok: row.bytes < 10 * MB,
        detail: `${(row.bytes / MB).toFixed(2)} MB`,
      });
      checks.push({
        mode: 'scim',
        name: `state file at ${identities}: written in under 200 ms`,
        ok: row.writeMs < 200,
        detail: `${row.writeMs.toFixed(0)} ms`,
      });
    }
  }

  print('\n### Checks\n');
  for (const c of checks)
    print(
      `- [${c.ok ? 'x' : ' '}] ${c.name.startsWith('schedule') || c.name.startsWith('state') ? '' : `${c.mode}: `}${c.name}: ${c.detail}`,
    );
  return checks.every((c) => c.ok);
}

/**
 * The request count in its terms: listing pages, change-read pages, identities read for an open
 * incident or not yet verified, for a changed account, for a re-check due, and the rest (the
 * Account schema, bulk pages).
 */
function formatTerms(row: SteadyRow): string {
  const incidentsAndNew = row.accountsRead - row.accountChangedReads - row.rechecked;
  const other = row.requests - row.listingPages - row.changeReadPages - row.accountsRead;
  return `${row.listingPages} + ${row.changeReadPages} + ${incidentsAndNew} + ${row.accountChangedReads} + ${row.rechecked} + ${other}`;
}

function formatRow(row: SteadyRow): string {
  return (
    `| ${row.mode} | ${row.cycle} | ${row.requests} | ${formatTerms(row)} | ${row.accountsServed} | ${row.accountsRead} | ${row.skipped} | ${row.rechecked} | ${row.eventsDelivered} | ` +
    `${(row.wallMs / 1000).toFixed(1)} s | ${row.peakRssMb.toFixed(0)} MB |`
  );
}
