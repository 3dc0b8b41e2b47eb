/**
 * The benchmark behind `npm run bench`: one fake IIQ, then a naive sequential baseline and the
 * built watchdog CLI (REST, SCIM per identity, SCIM bulk), each as a child process so that its
 * peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePopulation, startFakeIiq, type FakeIiq } from '../src/sandbox/fake-iiq.js';
import { DEMO_ENV } from '../src/sandbox/scenario.js';
import { CLI_PATH, writeDemoConfig } from '../dev/run-cli.js';
import { startFakePagerDuty } from '../src/sandbox/fake-pagerduty.js';
import { SCHEDULE_NODE_FLAGS } from '../src/memory-posture.js';

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
  /**
   * Skip the reference client (bench/reference-client.ts): the watchdog's requests and transport
   * with nothing else, what the machine and the fake allow any client, REST and SCIM per identity.
   */
  skipReference?: boolean;
  /**
   * Deliver for real (a fake PagerDuty on loopback, a fresh state per mode) instead of a dry
   * run: the breaches are then the triggers PagerDuty accepted, and the pacing floor of
   * `maxEventsPerMinute` is taken out of the ratio.
   */
  deliver?: boolean;
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
  /** CPU time of the child (user + system). */
  cpuMs: number;
  breachesFound: number;
  exitCode: number | null;
  /** (wallMs − pacing floor) ÷ ideal, ideal = (pages + identities) ÷ concurrency × latency. */
  ratioToIdeal: number;
  /**
   * The fake IIQ's mean time from a request's arrival to its answer written: the latency plus
   * its timer's lateness and its own CPU. With it in the ideal instead of the latency, the ratio
   * the fake itself allows is fakeAnswerMs ÷ latency.
   */
  fakeAnswerMs: number;
}

/** The result of a run. */
export interface BenchResult {
  idealMs: number;
  /** The least time PagerDuty's pacing lets the expected triggers take (0 in a dry run). */
  pacingFloorMs: number;
  expectedBreaches: number;
  rows: BenchRow[];
}

const NOW = new Date('2026-11-24T12:00:00.000Z');
// Under vitest this file is TypeScript in bench/; the children are always the built JavaScript.
const DIST_BENCH = new URL(import.meta.url.includes('/dist/bench/') ? './' : '../dist/bench/', import.meta.url);
const PRELOAD = fileURLToPath(new URL('report-rss.js', DIST_BENCH));
const NAIVE = fileURLToPath(new URL('naive.js', DIST_BENCH));
const REFERENCE = fileURLToPath(new URL('reference-client.js', DIST_BENCH));

/** The rows that neither deliver nor decide: no pacing floor, no breaches. */
export function isBaselineRow(mode: string): boolean {
  return mode.startsWith('naive') || mode.startsWith('reference');
}

/** The ideal: every request at full concurrency, nothing else. */
export function idealMs(o: Pick<BenchOptions, 'identities' | 'pageSize' | 'concurrency' | 'latencyMs'>): number {
  return ((Math.ceil(o.identities / o.pageSize) + o.identities) / o.concurrency) * o.latencyMs;
}

/** PagerDuty's pace when the bench delivers: the most the configuration allows. */
export const BENCH_EVENTS_PER_MINUTE = 1000;

/** Events go out one per 60 s / maxEventsPerMinute: the first at once, each later one a step after. */
export function pacingFloorMs(events: number, eventsPerMinute: number): number {
  return (Math.max(0, events - 1) * 60_000) / eventsPerMinute;
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
  const pagerDuty = o.deliver ? await startFakePagerDuty() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-bench-'));
  const ideal = idealMs(o);
  const expectedBreaches = Math.floor(o.identities * o.breachingFraction);
  const floor = o.deliver ? pacingFloorMs(expectedBreaches, BENCH_EVENTS_PER_MINUTE) : 0;
  const rows: BenchRow[] = [];
  const record = (row: Omit<BenchRow, 'ratioToIdeal'>): void => {
    // The naive baseline and the reference client never deliver: no floor to take out of them.
    const full = { ...row, ratioToIdeal: (row.wallMs - (isBaselineRow(row.mode) ? 0 : floor)) / ideal };
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
    if (!o.skipReference) {
      for (const [mode, api] of [
        ['reference client (REST)', 'rest'],
        ['reference client (SCIM per identity)', 'scim'],
      ] as const) {
        iiq.resetStats();
        const run = await runMeasured([REFERENCE], dir, {
          ...DEMO_ENV,
          REFERENCE_BASE_URL: iiq.url,
          REFERENCE_API: api,
          REFERENCE_PAGE_SIZE: String(o.pageSize),
          REFERENCE_CONCURRENCY: String(o.concurrency),
        });
        if (run.code !== 0) process.stderr.write(`${mode} exited ${run.code}:\n${run.stderr.slice(0, 2000)}\n`);
        // It decides nothing: no breaches to count.
        record({ mode, ...measuredFields(run, iiq), breachesFound: -1 });
      }
    }
    for (const [mode, iiqOverrides] of [
      ['watchdog REST', { api: 'rest' }],
      ['watchdog SCIM per identity', { api: 'scim' }],
      ['watchdog SCIM bulk', { api: 'scim', scimAccountsBulk: true }],
    ] as const) {
      const modeDir = join(dir, mode.replaceAll(' ', '-'));
      mkdirSync(modeDir);
      const config = writeDemoConfig(
        modeDir,
        { iiq: iiq.url, pagerDuty: pagerDuty?.url ?? 'http://127.0.0.1:9/v2/enqueue' },
        {
          iiq: {
            baseUrl: iiq.url,
            pageSize: o.pageSize,
            concurrency: o.concurrency,
            timeoutSeconds: 30,
            retryMinDelayMs: 100,
            ...iiqOverrides,
          },
          ...(pagerDuty
            ? {
                pagerduty: {
                  eventsUrl: pagerDuty.url,
                  source: 'bench',
                  retries: 1,
                  retryMinDelayMs: 10,
                  maxEventsPerMinute: BENCH_EVENTS_PER_MINUTE,
                  renotifyMinutes: 240,
                },
              }
            : {}),
          // One trigger per breaching identity: no storm incident standing for many.
          storm: { threshold: 1_000_000 },
        },
      );
      iiq.resetStats();
      const triggersBefore = pagerDuty ? acceptedTriggers(pagerDuty.accepted()) : 0;
      const run = await runMeasured(
        [CLI_PATH, 'run', ...(pagerDuty ? [] : ['--dry-run']), '--config', config, '--now', NOW.toISOString(), '--log-level', 'warn'],
        modeDir,
        { ...DEMO_ENV },
      );
      const breaches = pagerDuty
        ? acceptedTriggers(pagerDuty.accepted()) - triggersBefore
        : run.stdout.split('\n').filter((line) => line.includes('"action":"trigger"')).length;
      if (run.code !== 0) process.stderr.write(`${mode} exited ${run.code}:\n${run.stderr.slice(0, 2000)}\n`);
      record({ mode, ...measuredFields(run, iiq), breachesFound: breaches });
    }
  } finally {
    await Promise.all([iiq.close(), pagerDuty?.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return { idealMs: ideal, pacingFloorMs: floor, expectedBreaches, rows };
}

function acceptedTriggers(accepted: readonly { event_action?: unknown }[]): number {
  return accepted.filter((event) => event.event_action === 'trigger').length;
}

/** What one measured child did: wall time, its own peak RSS, exit code and output. */
export interface Measured {
  wallMs: number;
  maxRssKb: number;
  cpuMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function measuredFields(run: Measured, iiq: FakeIiq): Omit<BenchRow, 'mode' | 'breachesFound' | 'ratioToIdeal'> {
  return {
    wallMs: run.wallMs,
    requests: iiq.stats.requests,
    maxInFlight: iiq.stats.maxInFlight,
    fakeAnswerMs: iiq.stats.answerMsTotal / Math.max(1, iiq.stats.answered),
    peakRssMb: run.maxRssKb / 1024,
    cpuMs: run.cpuMs,
    exitCode: run.code,
  };
}

/**
 * Runs a Node script as a child with the RSS preload and the schedules' Node flags
 * (SCHEDULE_NODE_FLAGS); wall time from spawn to exit. Its stdout
 * (a dry run's planned actions) goes to a file, read once the child is done.
 */
export function runMeasured(args: string[], dir: string, env: Record<string, string>): Promise<Measured> {
  const id = process.hrtime.bigint();
  const rssFile = join(dir, `rss-${id}.json`);
  const stdoutFile = join(dir, `stdout-${id}.txt`);
  const stdoutFd = openSync(stdoutFile, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', PRELOAD, ...SCHEDULE_NODE_FLAGS, ...args], {
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
      let cpuMs = 0;
      try {
        ({ maxRssKb, cpuMs } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number; cpuMs: number });
      } catch {
        // the child died before its exit hook: no figure
      }
      resolve({ wallMs, maxRssKb, cpuMs, code, stdout, stderr });
    });
  });
}
