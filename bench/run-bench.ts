/**
 * The benchmark behind `npm run bench`: one fake IIQ, then a naive sequential baseline and the
 * built watchdog CLI (REST, SCIM per identity, SCIM bulk), each as a child process so that its
 * peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePopulation, startFakeIiq, type FakeIiq } from '../src/sandbox/fake-iiq.js';
import { DEMO_ENV } from '../src/sandbox/scenario.js';
import { CLI_PATH, writeDemoConfig } from '../dev/run-cli.js';

/** What to measure. */
export interface BenchOptions {
  identities: number;
  accountsPerIdentity: number;
  breachingFraction: number;
  latencyMs: number;
  concurrency: number;
  pageSize: number;
  /** Skip the naive baseline (it takes (pages + identities) × latency). */
  skipNaive: boolean;
  /** Called as each mode finishes. */
  onRow?: (row: BenchRow) => void;
}

/** One measured mode. */
export interface BenchRow {
  mode: string;
  wallMs: number;
  requests: number;
  maxInFlight: number;
  peakRssMb: number;
  breachesFound: number;
  exitCode: number | null;
  /** wallMs ÷ ideal, ideal = (pages + identities) ÷ concurrency × latency. */
  ratioToIdeal: number;
}

/** The result of a run. */
export interface BenchResult {
  idealMs: number;
  expectedBreaches: number;
  rows: BenchRow[];
}

const NOW = new Date('2026-11-24T12:00:00.000Z');
// Under vitest this file is TypeScript in bench/; the children are always the built JavaScript.
const DIST_BENCH = new URL(import.meta.url.includes('/dist/bench/') ? './' : '../dist/bench/', import.meta.url);
const PRELOAD = fileURLToPath(new URL('report-rss.js', DIST_BENCH));
const NAIVE = fileURLToPath(new URL('naive.js', DIST_BENCH));

/** The ideal: every request at full concurrency, nothing else. */
export function idealMs(o: Pick<BenchOptions, 'identities' | 'pageSize' | 'concurrency' | 'latencyMs'>): number {
  return ((Math.ceil(o.identities / o.pageSize) + o.identities) / o.concurrency) * o.latencyMs;
}

/** Runs every mode against one fake IIQ and returns the figures. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const population = generatePopulation({
    count: o.identities,
    accountsPerIdentity: o.accountsPerIdentity,
    breachingFraction: o.breachingFraction,
    now: NOW,
  });
  const iiq = await startFakeIiq({
    identities: population,
    latencyMs: o.latencyMs,
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-bench-'));
  const ideal = idealMs(o);
  const rows: BenchRow[] = [];
  const record = (row: Omit<BenchRow, 'ratioToIdeal'>): void => {
    const full = { ...row, ratioToIdeal: row.wallMs / ideal };
    rows.push(full);
    o.onRow?.(full);
  };
  try {
    if (!o.skipNaive) {
      iiq.resetStats();
      const run = await runMeasured([NAIVE], dir, {
        ...DEMO_ENV,
        NAIVE_BASE_URL: iiq.url,
        NAIVE_PAGE_SIZE: String(o.pageSize),
        NAIVE_NOW: NOW.toISOString(),
      });
      const out = JSON.parse(run.stdout.trim() || '{}') as { breaches?: number };
      record({ mode: 'naive sequential (REST)', ...measuredFields(run, iiq), breachesFound: out.breaches ?? -1 });
    }
    for (const [mode, iiqOverrides] of [
      ['watchdog REST', { api: 'rest' }],
      ['watchdog SCIM per identity', { api: 'scim' }],
      ['watchdog SCIM bulk', { api: 'scim', scimAccountsBulk: true }],
    ] as const) {
      const config = writeDemoConfig(
        dir,
        { iiq: iiq.url, pagerDuty: 'http://127.0.0.1:9/v2/enqueue' },
        {
          iiq: {
            baseUrl: iiq.url,
            pageSize: o.pageSize,
            concurrency: o.concurrency,
            timeoutSeconds: 30,
            retryMinDelayMs: 100,
            ...iiqOverrides,
          },
          // One trigger per breaching identity: no storm incident standing for many (spec 7).
          storm: { threshold: 1_000_000 },
        },
      );
      iiq.resetStats();
      const run = await runMeasured(
        [CLI_PATH, 'run', '--dry-run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'warn'],
        dir,
        { ...DEMO_ENV },
      );
      const breaches = run.stdout.split('\n').filter((line) => line.includes('"action":"trigger"')).length;
      if (run.code !== 0) process.stderr.write(`${mode} exited ${run.code}:\n${run.stderr.slice(0, 2000)}\n`);
      record({ mode, ...measuredFields(run, iiq), breachesFound: breaches });
    }
  } finally {
    await iiq.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { idealMs: ideal, expectedBreaches: Math.floor(o.identities * o.breachingFraction), rows };
}

/** What one measured child did: wall time, its own peak RSS, exit code and output. */
export interface Measured {
  wallMs: number;
  maxRssKb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function measuredFields(run: Measured, iiq: FakeIiq): Omit<BenchRow, 'mode' | 'breachesFound' | 'ratioToIdeal'> {
  return {
    wallMs: run.wallMs,
    requests: iiq.stats.requests,
    maxInFlight: iiq.stats.maxInFlight,
    peakRssMb: run.maxRssKb / 1024,
    exitCode: run.code,
  };
}

/**
 * Runs a Node script as a child with the RSS preload; wall time from spawn to exit. Its stdout
 * (a dry run's planned actions) goes to a file, read once the child is done.
 */
export function runMeasured(args: string[], dir: string, env: Record<string, string>): Promise<Measured> {
  const id = process.hrtime.bigint();
  const rssFile = join(dir, `rss-${id}.json`);
  const stdoutFile = join(dir, `stdout-${id}.txt`);
  const stdoutFd = openSync(stdoutFile, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', PRELOAD, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', stdoutFd, 'pipe'],
    });
    closeSync(stdoutFd);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const stdout = readFileSync(stdoutFile, 'utf8');
      let maxRssKb = 0;
      try {
        maxRssKb = (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number }).maxRssKb;
      } catch {
        // the child died before its exit hook: no figure
      }
      resolve({ wallMs, maxRssKb, code, stdout, stderr });
    });
  });
}
