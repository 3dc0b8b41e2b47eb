/**
 * Taking over a stale lock is atomic. Six built CLIs start at once on a lock left by a
 * dead run. The fake IIQ never answers, so whoever gets inside the lock stays there: exactly one
 * run may reach IIQ while the five others exit 4; then IIQ goes away and the one inside ends.
 */
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig, type CliResult } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';

const RUNS = 6;

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let secondRunInside: Promise<void>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-lock-race-'));
  let reached!: () => void;
  secondRunInside = new Promise<void>((resolve) => (reached = resolve));
  let requests = 0;
  // Each run inside the lock asks IIQ for the first page and waits: a second request means a second run inside.
  iiq = await startFakeIiq({
    identities: demoIdentities(NOW),
    fault: () => ((requests += 1) >= 2 && reached(), { status: 0, hang: true }),
  });
  pagerDuty = await startFakePagerDuty();
  writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A lock left by a run that died: a pid that does not exist on this host, and a heartbeat long past. */
function writeStaleLock(): string {
  const lockPath = join(dir, 'watchdog-state.json.lock');
  writeFileSync(lockPath, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: '2026-11-24T00:00:00Z' }));
  const longAgo = new Date(Date.now() - 3_600_000);
  utimesSync(lockPath, longAgo, longAgo);
  return lockPath;
}

/** Resolves with the first `count` results to arrive. */
function firstResults(runs: Promise<CliResult>[], count: number): Promise<CliResult[]> {
  return new Promise((resolve) => {
    const done: CliResult[] = [];
    for (const run of runs) void run.then((result) => done.push(result) === count && resolve(done.slice()));
  });
}

describe('stale lock taken over by runs started at once', () => {
  it(`${RUNS} runs on a stale lock: one gets inside, ${RUNS - 1} exit 4`, async () => {
    const lockPath = writeStaleLock();
    const runs = Array.from({ length: RUNS }, () =>
      runCli(['run', '--config', 'config.json', '--now', NOW.toISOString()], { cwd: dir, env: { ...DEMO_ENV } }),
    );
    const refused = await Promise.race([firstResults(runs, RUNS - 1), secondRunInside.then(() => 'two runs inside the lock' as const)]);
    expect(refused).not.toBe('two runs inside the lock');
    for (const loser of refused as CliResult[]) {
      expect(loser.code).toBe(4);
      expect(loser.stderr).toMatch(/another run (holds the lock|is taking over the stale lock)/);
    }
    expect(iiq.stats.byRoute).toEqual({ 'rest.identities': 1 });

    // IIQ goes away: the one run inside fails its read (exit 3) and releases the lock.
    await iiq.close();
    const inside = (await Promise.all(runs)).filter((r) => !(refused as CliResult[]).includes(r));
    expect(inside.map((r) => r.code)).toEqual([3]);
    expect(pagerDuty.received).toHaveLength(0);
    expect(existsSync(lockPath)).toBe(false);
  });
});
