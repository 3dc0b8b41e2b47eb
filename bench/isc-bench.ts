/**
 * `npm run bench:isc [-- --identities N --latency MS]` (or BENCH_IDENTITIES, BENCH_LATENCY_MS):
 * only the ISC part of `npm run bench` (about half a minute at 20,000 leavers: the rate limit is the floor).
 */
import { parseArgs } from 'node:util';
import { formatIscBench, iscBenchOptions, runIscBench } from './run-isc-bench.js';

const { values } = parseArgs({ options: { identities: { type: 'string' }, latency: { type: 'string' } } });
const options = iscBenchOptions(
  Number(values.identities ?? process.env.BENCH_IDENTITIES ?? 20_000),
  Number(values.latency ?? process.env.BENCH_LATENCY_MS ?? 20),
);
const row = await runIscBench(options);
console.log(formatIscBench(options, row));
if (row.breachesFound !== row.expectedBreaches || row.exitCode !== 0) process.exitCode = 1;
