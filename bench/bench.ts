/**
 * `npm run bench [-- --identities N --latency MS --concurrency C --page-size P --skip-naive --skip-reference --skip-isc]`
 * (or BENCH_IDENTITIES, BENCH_LATENCY_MS, BENCH_CONCURRENCY, BENCH_PAGE_SIZE, BENCH_SKIP_NAIVE=1, BENCH_SKIP_REFERENCE=1, BENCH_SKIP_ISC=1):
 * prints one table comparing the naive baseline, the reference client (the watchdog's requests and
 * transport, nothing else: bench/reference-client.ts) and the watchdog's modes on a fake IIQ (one
 * cold dry run each, or with `--deliver` / BENCH_DELIVER=1 one cold cycle delivering to a fake PagerDuty), then the steady-state scenario (`--scenario modes|steady|all`,
 * `--latencies 20,300`, `--modes rest,scim,bulk`, `--steady-concurrency 8`, `--skip-catch-up`,
 * `--state-sizes 20000,100000`, `--days 7`), then one cycle against the fake ISC under its
 * real-time rate limit (bench/run-isc-bench.ts). `--not-started N` (or `--scenario not-started`,
 * N default 500) adds N not-started leavers next to the inactive identities and prints the
 * requests of a cold cycle by term, REST and SCIM, without and with them (bench/run-not-started-bench.ts).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { isBaselineRow, runBench, type BenchRow } from './run-bench.js';
import { formatIscBench, iscBenchOptions, runIscBench } from './run-isc-bench.js';
import { formatNotStartedBench, runNotStartedBench } from './run-not-started-bench.js';
import { printSteadyReport } from './steady-report.js';
import type { SteadyMode } from './steady-state.js';

const { values } = parseArgs({
  options: {
    identities: { type: 'string' },
    accounts: { type: 'string' },
    latency: { type: 'string' },
    concurrency: { type: 'string' },
    'page-size': { type: 'string' },
    'skip-naive': { type: 'boolean' },
    'skip-reference': { type: 'boolean' },
    deliver: { type: 'boolean' },
    'skip-isc': { type: 'boolean' },
    scenario: { type: 'string' },
    latencies: { type: 'string' },
    modes: { type: 'string' },
    'steady-concurrency': { type: 'string' },
    'skip-catch-up': { type: 'boolean' },
    'state-sizes': { type: 'string' },
    days: { type: 'string' },
    'not-started': { type: 'string' },
  },
});
const num = (flag: string | undefined, env: string | undefined, fallback: number): number => {
  const value = Number(flag ?? env ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`not a number: ${flag ?? env}`);
  return value;
};
const list = (flag: string | undefined, fallback: string): string[] =>
  (flag ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const env = process.env;
const options = {
  identities: num(values.identities, env.BENCH_IDENTITIES, 20_000),
  accountsPerIdentity: num(values.accounts, env.BENCH_ACCOUNTS, 12),
  breachingFraction: 0.01,
  latencyMs: num(values.latency, env.BENCH_LATENCY_MS, 20),
  concurrency: num(values.concurrency, env.BENCH_CONCURRENCY, 16),
  pageSize: num(values['page-size'], env.BENCH_PAGE_SIZE, 500),
  skipNaive: values['skip-naive'] ?? env.BENCH_SKIP_NAIVE === '1',
  skipReference: values['skip-reference'] ?? env.BENCH_SKIP_REFERENCE === '1',
  deliver: values.deliver ?? env.BENCH_DELIVER === '1',
};
const scenario = values.scenario ?? 'all';
if (!['all', 'modes', 'steady', 'not-started'].includes(scenario))
  throw new Error(`--scenario must be all, modes, steady or not-started (not ${scenario})`);
const notStarted = values['not-started'] ?? (scenario === 'not-started' ? '500' : undefined);
const modes = list(values.modes, 'rest,scim,bulk');
if (modes.some((mode) => !['rest', 'scim', 'bulk'].includes(mode)))
  throw new Error(`--modes takes rest, scim and bulk (not ${values.modes})`);

const header =
  '| mode | wall time | requests | max in flight | peak RSS | CPU time | CPU per request | breaches found | ratio to ideal | fake answer | load average |';
/** The reference client decides nothing: its row has no breaches to show or check. */
const countsBreaches = (row: BenchRow): boolean => !(isBaselineRow(row.mode) && row.breachesFound < 0);
const format = (row: BenchRow): string =>
  `| ${row.mode} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.requests} | ${row.maxInFlight} | ${row.peakRssMb.toFixed(0)} MB | ` +
  `${(row.cpuMs / 1000).toFixed(2)} s | ${((row.cpuMs * 1000) / Math.max(1, row.requests)).toFixed(0)} µs | ${countsBreaches(row) ? row.breachesFound : '—'} | ${row.ratioToIdeal.toFixed(2)} | ` +
  `${row.fakeAnswerMs.toFixed(2)} ms | ${loadavg()[0]?.toFixed(2)} |`;

if (scenario === 'all' || scenario === 'modes') {
  console.log(
    `${options.identities} inactive identities × ${options.accountsPerIdentity} accounts, ${options.latencyMs} ms per request, ` +
      `concurrency ${options.concurrency}, page size ${options.pageSize}, ${options.breachingFraction * 100} % breaching`,
  );
  if (!options.skipNaive) console.log('(the naive baseline runs first, one request at a time: it takes a while)');
  const lines: string[] = [];
  const result = await runBench({
    ...options,
    onRow: (row) => {
      lines.push(format(row));
      process.stderr.write(`done: ${format(row)}\n`);
    },
  });
  console.log(
    `ideal = (pages + identities) / concurrency × latency = ${(result.idealMs / 1000).toFixed(2)} s; expected breaches ${result.expectedBreaches}` +
      (options.deliver
        ? `; delivering for real: ratio = (wall time − pacing floor ${(result.pacingFloorMs / 1000).toFixed(2)} s) / ideal\n`
        : ' (dry run)\n'),
  );
  console.log(
    `fake answer: the fake IIQ's mean time from a request's arrival to its answer (latency ${options.latencyMs} ms, its timer's lateness, its own CPU); ` +
      `the ratio it allows by itself is fake answer ÷ ${options.latencyMs} ms`,
  );
  console.log(header);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const line of lines) console.log(line);
  const reference = (api: string): BenchRow | undefined => result.rows.find((row) => row.mode === `reference client (${api})`);
  for (const [mode, api] of [
    ['watchdog REST', 'REST'],
    ['watchdog SCIM per identity', 'SCIM per identity'],
  ] as const) {
    const watchdog = result.rows.find((row) => row.mode === mode);
    const floor = reference(api);
    if (watchdog && floor)
      console.log(
        `${mode}: ${(watchdog.ratioToIdeal / floor.ratioToIdeal).toFixed(3)} × the reference client's ratio (${watchdog.ratioToIdeal.toFixed(3)} / ${floor.ratioToIdeal.toFixed(3)})`,
      );
  }
  if (
    result.rows.some(
      (row) => (row.exitCode !== 0 && row.exitCode !== null) || (countsBreaches(row) && row.breachesFound !== result.expectedBreaches),
    )
  ) {
    console.log('\nWARNING: a mode did not find the expected breaches or did not exit 0');
    process.exitCode = 1;
  }
}

if (scenario === 'all' || scenario === 'steady') {
  const allPassed = await printSteadyReport(
    {
      identities: options.identities,
      accountsPerIdentity: options.accountsPerIdentity,
      breachingFraction: options.breachingFraction,
      latenciesMs: list(values.latencies, '20,300').map((value) => num(value, undefined, 0)),
      concurrency: num(values['steady-concurrency'], undefined, 8),
      pageSize: options.pageSize,
      modes: modes as SteadyMode[],
      catchUp: !values['skip-catch-up'],
      stateSizes: list(values['state-sizes'], '20000,100000').map((value) => num(value, undefined, 0)),
      simulatedDays: num(values.days, undefined, 7),
    },
    (line) => console.log(line),
  );
  if (!allPassed) {
    console.log('\nWARNING: a steady-state check did not pass');
    process.exitCode = 1;
  }
}

if ((scenario === 'all' || scenario === 'modes') && !(values['skip-isc'] ?? env.BENCH_SKIP_ISC === '1')) {
  const iscOptions = iscBenchOptions(options.identities, options.latencyMs);
  const iscRow = await runIscBench(iscOptions);
  console.log(`\n${formatIscBench(iscOptions, iscRow)}`);
  if (iscRow.breachesFound !== iscRow.expectedBreaches || iscRow.exitCode !== 0) process.exitCode = 1;
}

if (notStarted !== undefined) {
  const notStartedOptions = {
    ...options,
    notStarted: num(notStarted, undefined, 500),
    notStartedPastSlaFraction: 0.2,
  };
  const rows = await runNotStartedBench(notStartedOptions);
  console.log(`\n${formatNotStartedBench(notStartedOptions, rows)}`);
  if (rows.some((row) => row.exitCode !== 0 || row.breachesFound !== row.expectedBreaches || row.notStartedWithinSlaAccountReads !== 0)) {
    console.log('\nWARNING: a not-started run did not exit 0, missed a breach, or read a leaver within SLA');
    process.exitCode = 1;
  }
}
