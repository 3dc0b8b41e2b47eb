/**
 * Local files that cannot be written, through the built CLI: a disk that fills up after some
 * deliveries (a small tmpfs), a read-only file system, a missing folder, no permission. Each is
 * exit 5 with one line naming the path and the cause, and nothing PagerDuty accepted is lost.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty, type FakeResponse } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { startCli } from '../helpers/cli-process.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLinesSkippingText } from '../helpers/cli-logs.js';

/** Why a tmpfs cannot be mounted here (not root, no CAP_SYS_ADMIN, a container without it); undefined when it can. */
function whyNoTmpfs(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'watchdog-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const NO_TMPFS = whyNoTmpfs();
if (NO_TMPFS)
  console.warn(
    `\n!!! SKIPPING the full-disk and read-only tests: ${NO_TMPFS}. Run the suite as root (or with CAP_SYS_ADMIN) to prove exit 5 on ENOSPC/EROFS.\n`,
  );
const isRoot = process.getuid?.() === 0;

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
const mounts: string[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  iiq = pagerDuty = undefined;
  for (const mount of mounts.splice(0)) {
    try {
      execFileSync('umount', [mount], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mount], { stdio: 'pipe' });
    }
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-files-'));
  folders.push(dir);
  return dir;
}

function mountTmpfs(sizeKb: number): string {
  const dir = folder();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

/** Writes a filler file until the file system refuses even one more byte. */
function fillUp(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    for (const size of [65_536, 4_096, 512, 1]) {
      const chunk = Buffer.alloc(size, 120);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function fakes(respond?: (event: any, index: number) => FakeResponse | undefined) {
  iiq = await startFakeIiq({
    identities: generatePopulation({ count: 5, accountsPerIdentity: 2, breachingFraction: 1, now: NOW }),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  pagerDuty = await startFakePagerDuty(respond ? { respond } : {});
  return { iiq, pd: pagerDuty };
}

const logsOf = jsonLinesSkippingText;
const fatalOf = (stderr: string) => logsOf(stderr).filter((l) => l.level === 'fatal');
const keys = (events: any[], action: string) =>
  [...new Set(events.filter((e) => e.event_action === action).map((e) => e.dedup_key as string))].sort();

describe.skipIf(NO_TMPFS !== undefined)('a disk that fills up, a read-only file system (tmpfs)', () => {
  it('full disk after some deliveries: exit 5 naming the file and ENOSPC; the next run resolves every incident PagerDuty has open', async () => {
    const dir = mountTmpfs(256);
    const { iiq: fakeIiq, pd } = await fakes((_event, index) => (index === 1 ? (fillUp(dir), undefined) : undefined));
    const config = writeDemoConfig(
      dir,
      { iiq: fakeIiq.url, pagerDuty: pd.url },
      {
        pagerduty: {
          eventsUrl: pd.url,
          source: 'iiq.demo.local',
          retries: 0,
          retryMinDelayMs: 10,
          maxEventsPerMinute: 600,
          concurrency: 1,
        },
      },
    );
    const run = (minutes: number) => runCli(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } });

    const full = await run(0);
    expect(full.code).toBe(5);
    const [fatal, ...more] = fatalOf(full.stderr);
    expect(more).toEqual([]);
    expect(fatal?.msg).toMatch(
      new RegExp(
        `^cannot (write|create) the (state file|journal) ${dir}/watchdog-state\\.json(\\.journal)?: ENOSPC \\(no space left on device\\)$`,
      ),
    );
    expect(fatal).not.toHaveProperty('stack');
    expect(full.stderr).not.toContain('unexpected failure');
    const opened = keys(pd.accepted(), 'trigger');
    expect(opened.length).toBeGreaterThanOrEqual(2);

    rmSync(join(dir, 'filler'));
    for (const identity of fakeIiq.identities) for (const link of identity.links) link.disabled = true;
    const before = pd.received.length;
    const next = await run(15);
    expect(next.code).toBe(0);
    expect(
      keys(
        pd.received.slice(before).map((r) => r.body),
        'resolve',
      ),
    ).toEqual(expect.arrayContaining(opened));
    expect(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).incidents).toEqual({});
  });

  it('read-only file system: exit 5 naming the lock file and EROFS, nothing contacted', async () => {
    const dir = mountTmpfs(64);
    const { iiq: fakeIiq, pd } = await fakes();
    const config = writeDemoConfig(dir, { iiq: fakeIiq.url, pagerDuty: pd.url });
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
    const result = await runCli(['run', '--config', config, '--now', at(0)], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code).toBe(5);
    expect(fatalOf(result.stderr).map((l) => l.msg)).toEqual([
      `cannot create the run lock ${dir}/watchdog-state.json.lock: EROFS (read-only file system)`,
    ]);
    expect(fakeIiq.stats.requests).toBe(0);
    expect(pd.received).toEqual([]);
  });
});

describe('local file failures without a special file system', () => {
  it('state.path in a folder that does not exist: exit 5 naming the folder, no stack trace, nothing contacted', async () => {
    const dir = folder();
    const { iiq: fakeIiq, pd } = await fakes();
    const config = writeDemoConfig(
      dir,
      { iiq: fakeIiq.url, pagerDuty: pd.url },
      { state: { path: './no-such-folder/watchdog-state.json' } },
    );
    const result = await runCli(['run', '--config', config, '--now', at(0)], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(fatalOf(result.stderr).map((l) => l.msg)).toEqual([
      `cannot create the run lock ${dir}/no-such-folder/watchdog-state.json.lock: ENOENT (the folder ${dir}/no-such-folder does not exist)`,
    ]);
    expect(result.stderr).not.toMatch(/stack| {4}at /);
    expect(fakeIiq.stats.requests).toBe(0);
    expect(pd.received).toEqual([]);
  });

  it.skipIf(!isRoot)('no permission (run as nobody in a folder owned by root): exit 5 naming the lock file and EACCES', async () => {
    const dir = folder();
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'state'), { mode: 0o755 });
    const { iiq: fakeIiq, pd } = await fakes();
    const config = writeDemoConfig(dir, { iiq: fakeIiq.url, pagerDuty: pd.url }, { state: { path: './state/watchdog-state.json' } });
    chmodSync(config, 0o644);
    const end = await startCli(['run', '--config', config, '--now', at(0)], { cwd: dir, env: { ...DEMO_ENV }, uid: 65534, gid: 65534 })
      .ended;
    expect(end.code, end.stderr).toBe(5);
    expect(fatalOf(end.stderr).map((l) => l.msg)).toEqual([
      `cannot create the run lock ${dir}/state/watchdog-state.json.lock: EACCES (permission denied)`,
    ]);
    expect(existsSync(join(dir, 'state', 'watchdog-state.json.lock'))).toBe(false);
  });
});
