/**
 * `npm run bench [-- --identities N --latency MS --concurrency C --page-size P --skip-naive --skip-isc]`
 * (or BENCH_IDENTITIES, BENCH_LATENCY_MS, BENCH_CONCURRENCY, BENCH_PAGE_SIZE, BENCH_SKIP_NAIVE=1, BENCH_SKIP_ISC=1):
 * prints one table comparing the naive baseline and the watchdog's modes on a fake IIQ, then
 * one cycle against the fake ISC under its real-time rate limit (bench/run-isc-bench.ts).
 */
import { parseArgs } from 'node:util';
import { runBench, type BenchRow } from './run-bench.js';
import { formatIscBench, iscBenchOptions, runIscBench } from './run-isc-bench.js';

const { values } = parseArgs({
  options: {
    identities: { type: 'string' },
    accounts: { type: 'string' },
    latency: { type: 'string' },
    concurrency: { type: 'string' },
    'page-size': { type: 'string' },
    'skip-naive': { type: 'boolean' },
    'skip-isc': { type: 'boolean' },
  },
});
const num = (flag: string | undefined, env: string | undefined, fallback: number): number => {
  const value = Number(flag ?? env ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`not a number: ${flag ?? env}`);
  return value;
};
const env = process.env;
const options = {
  identities: num(values.identities, env.BENCH_IDENTITIES, 20_000),
  accountsPerIdentity: num(values.accounts, env.BENCH_ACCOUNTS, 12),
  breachingFraction: 0.01,
  latencyMs: num(values.latency, env.BENCH_LATENCY_MS, 20),
  concurrency: num(values.concurrency, env.BENCH_CONCURRENCY, 16),
  pageSize: num(values['page-size'], env.BENCH_PAGE_SIZE, 500),
  skipNaive: values['skip-naive'] ?? env.BENCH_SKIP_NAIVE === '1',
};

const header = '| mode | wall time | requests | max in flight | peak RSS | breaches found | ratio to ideal |';
const format = (row: BenchRow): string =>
  `| ${row.mode} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.requests} | ${row.maxInFlight} | ${row.peakRssMb.toFixed(0)} MB | ${row.breachesFound} | ${row.ratioToIdeal.toFixed(2)} |`;

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
  `ideal = (pages + identities) / concurrency × latency = ${(result.idealMs / 1000).toFixed(2)} s; expected breaches ${result.expectedBreaches}\n`,
);
console.log(header);
console.log('|---|---|---|---|---|---|---|');
for (const line of lines) console.log(line);
if (result.rows.some((row) => row.breachesFound !== result.expectedBreaches || (row.exitCode !== 0 && row.exitCode !== null))) {
  console.log('\nWARNING: a mode did not find the expected breaches or did not exit 0');
  process.exitCode = 1;
}

if (!(values['skip-isc'] ?? env.BENCH_SKIP_ISC === '1')) {
  const iscOptions = iscBenchOptions(options.identities, options.latencyMs);
  const iscRow = await runIscBench(iscOptions);
  console.log(`\n${formatIscBench(iscOptions, iscRow)}`);
  if (iscRow.breachesFound !== iscRow.expectedBreaches || iscRow.exitCode !== 0) process.exitCode = 1;
}
