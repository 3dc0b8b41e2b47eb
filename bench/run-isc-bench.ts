/**
 * The ISC part of `npm run bench`: one cycle of the built CLI against the fake ISC,
 * which enforces ISC's rate limit (100 requests per rolling 10 s, 429 + Retry-After) in real
 * time. Reports requests, the most requests in any rolling 10 s (never above the client's cap),
 * wall time against the target 1.2 × requests ÷ 9 per second, and the CLI's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePopulation } from '../src/sandbox/fake-iiq.js';
import { startFakeIsc } from '../src/sandbox/fake-isc.js';
import { ISC_DEMO_ENV, iscConfigOverrides, toIscIdentities } from '../src/sandbox/isc-scenario.js';
import { CLI_PATH, writeDemoConfig } from '../dev/run-cli.js';
import { runMeasured } from './run-bench.js';

/** What to measure. */
export interface IscBenchOptions {
  identities: number;
  accountsPerIdentity: number;
  breachingFraction: number;
  latencyMs: number;
  /** `isc.maxRequestsPer10Seconds` (default 90). */
  maxRequestsPer10Seconds: number;
  concurrency: number;
  /** `isc.pageSize` (at most 250). */
  pageSize: number;
}

/** One measured ISC cycle. */
export interface IscBenchRow {
  wallMs: number;
  requests: number;
  byRoute: Record<string, number>;
  /** The most requests that reached the fake within any rolling 10 s. */
  maxIn10s: number;
  /** 429s the fake answered (the pacer should leave none). */
  rateLimited: number;
  peakRssMb: number;
  breachesFound: number;
  expectedBreaches: number;
  exitCode: number | null;
  /** The target: 1.2 × requests ÷ (9 per second). */
  targetMs: number;
}

const NOW = new Date('2026-11-24T12:00:00.000Z');

/** Runs one dry-run cycle against a fake ISC holding `identities` leavers. */
export async function runIscBench(o: IscBenchOptions): Promise<IscBenchRow> {
  const population = toIscIdentities(
    generatePopulation({
      count: o.identities,
      accountsPerIdentity: o.accountsPerIdentity,
      breachingFraction: o.breachingFraction,
      now: NOW,
    }),
  );
  const isc = await startFakeIsc({ identities: population, latencyMs: o.latencyMs, rateLimit: { limit: 100, windowMs: 10_000 } });
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-isc-bench-'));
  try {
    const config = writeDemoConfig(
      dir,
      { iiq: isc.url, pagerDuty: 'http://127.0.0.1:9/v2/enqueue' },
      iscConfigOverrides(
        isc.url,
        {
          pageSize: o.pageSize,
          concurrency: o.concurrency,
          maxRequestsPer10Seconds: o.maxRequestsPer10Seconds,
          timeoutSeconds: 30,
          retryMinDelayMs: 100,
        },
        { storm: { threshold: 1_000_000 } },
      ),
    );
    const run = await runMeasured(
      [CLI_PATH, 'run', '--dry-run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'warn'],
      dir,
      { ...ISC_DEMO_ENV },
    );
    if (run.code !== 0) process.stderr.write(`ISC cycle exited ${run.code}:\n${run.stderr.slice(0, 2000)}\n`);
    const requests = isc.stats.requests;
    return {
      wallMs: run.wallMs,
      requests,
      byRoute: { ...isc.stats.byRoute },
      maxIn10s: isc.stats.maxInWindow,
      rateLimited: isc.stats.rateLimited,
      peakRssMb: run.maxRssKb / 1024,
      breachesFound: run.stdout.split('\n').filter((line) => line.includes('"action":"trigger"')).length,
      expectedBreaches: Math.floor(o.identities * o.breachingFraction),
      exitCode: run.code,
      targetMs: ((1.2 * requests) / 9) * 1000,
    };
  } finally {
    await isc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ISC table of `npm run bench`, one line of text per row plus a verdict line. */
export function formatIscBench(o: IscBenchOptions, row: IscBenchRow): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const routes = Object.entries(row.byRoute)
    .map(([route, n]) => `${route} ${n}`)
    .join(', ');
  const meets = row.wallMs <= row.targetMs && row.peakRssMb < 150 && row.maxIn10s <= o.maxRequestsPer10Seconds;
  return [
    `ISC: ${o.identities} leavers × ${o.accountsPerIdentity} accounts, ${o.breachingFraction * 100} % with an enabled account, ${o.latencyMs} ms per request, ` +
      `page size ${o.pageSize}, concurrency ${o.concurrency}, cap ${o.maxRequestsPer10Seconds} per 10 s (the fake enforces 100 per rolling 10 s, in real time)`,
    '| wall time | target (1.2 × requests ÷ 9/s) | requests | max in any rolling 10 s | 429s | peak RSS | breaches found |',
    '|---|---|---|---|---|---|---|',
    `| ${s(row.wallMs)} | ${s(row.targetMs)} | ${row.requests} (${routes}) | ${row.maxIn10s} | ${row.rateLimited} | ${row.peakRssMb.toFixed(0)} MB | ${row.breachesFound} of ${row.expectedBreaches} |`,
    meets && row.breachesFound === row.expectedBreaches && row.exitCode === 0
      ? 'ISC: within target'
      : 'WARNING: ISC missed a target (time, RSS, cap) or the expected breaches',
  ].join('\n');
}

/** ISC bench settings from flags / environment, defaults as the issue sets them. */
export function iscBenchOptions(identities: number, latencyMs: number): IscBenchOptions {
  return {
    identities,
    accountsPerIdentity: 12,
    breachingFraction: 0.01,
    latencyMs,
    maxRequestsPer10Seconds: 90,
    concurrency: 4,
    pageSize: 250,
  };
}
