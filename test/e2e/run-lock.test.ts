/** The run lock in one process: live locks refuse, stale ones are taken over by exactly one of many concurrent runs. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeldError } from '../../src/errors.js';
import { acquireRunLock, type RunLock } from '../../src/state/run-lock.js';

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-run-lock-'));
  lockPath = join(dir, 'watchdog-state.json.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DEAD_PID = 2 ** 22 + 17;
function writeLock(owner: Record<string, unknown>, ageMs = 0): void {
  writeFileSync(lockPath, JSON.stringify(owner));
  const at = new Date(Date.now() - ageMs);
  utimesSync(lockPath, at, at);
}

/**
 * Starts `count` acquisitions, each a few event-loop turns after the previous one (so their
 * steps interleave in many different orders), and returns the locks won and the errors of the others.
 */
async function race(count: number): Promise<{ won: RunLock[]; refused: unknown[] }> {
  const won: RunLock[] = [];
  const refused: unknown[] = [];
  const attempts: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    attempts.push(
      acquireRunLock(lockPath).then(
        (lock) => void won.push(lock),
        (error: unknown) => void refused.push(error),
      ),
    );
    for (let turn = 0; turn < i % 4; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(attempts);
  return { won, refused };
}

describe('acquireRunLock', () => {
  it('creates the lock, refuses a second taker while held, removes it on release', async () => {
    const lock = await acquireRunLock(lockPath);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(acquireRunLock(lockPath)).rejects.toThrow(/another run holds the lock .* \(pid \d+ on /);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it.each([
    ['a dead pid on this host', { pid: DEAD_PID, host: hostname(), startedAt: '2026-11-24T00:00:00Z' }, 0],
    ['a heartbeat older than 120 s (any host)', { pid: 1, host: 'elsewhere', startedAt: '2026-11-24T00:00:00Z' }, 3_600_000],
    ['unreadable content and an old heartbeat', 'not json' as unknown as Record<string, unknown>, 3_600_000],
  ])('20 concurrent runs on a stale lock (%s): exactly one wins, the others get LockHeldError', async (_name, owner, ageMs) => {
    if (typeof owner === 'string') {
      writeFileSync(lockPath, owner);
      const at = new Date(Date.now() - ageMs);
      utimesSync(lockPath, at, at);
    } else {
      writeLock(owner, ageMs);
    }
    const { won, refused } = await race(20);
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const error of refused) expect(error).toBeInstanceOf(LockHeldError);
    await won[0]!.release();
    // No claim or candidate file is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a live lock (this pid, fresh) is never taken over, however many try', async () => {
    writeLock({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() });
    const { won, refused } = await race(10);
    expect(won).toHaveLength(0);
    expect(refused).toHaveLength(10);
    expect(existsSync(lockPath)).toBe(true);
  });

  // The claim's name carries the lock file's identity (inode and content), as the lock computes it.
  const claimPathFor = (index: number): string => {
    const generation = createHash('sha256')
      .update(`${statSync(lockPath).ino}\n${readFileSync(lockPath, 'utf8')}`)
      .digest('hex')
      .slice(0, 24);
    return `${lockPath}.takeover-${generation}-${index}`;
  };

  it('a claim left by a takeover that died does not block the next takeover', async () => {
    writeLock({ pid: DEAD_PID, host: hostname(), startedAt: '2026-11-24T00:00:00Z' });
    const deadClaim = claimPathFor(0);
    writeFileSync(deadClaim, JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: '2026-11-24T00:00:00Z' }));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(deadClaim, old, old);
    const lock = await acquireRunLock(lockPath);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a live claim on the stale lock: this run exits 4 rather than take over beside it', async () => {
    writeLock({ pid: DEAD_PID, host: hostname(), startedAt: '2026-11-24T00:00:00Z' });
    writeFileSync(claimPathFor(0), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    await expect(acquireRunLock(lockPath)).rejects.toThrow(/another run is taking over the stale lock .* at the same moment/);
  });

  it("release leaves a lock that is no longer this run's alone", async () => {
    const lock = await acquireRunLock(lockPath);
    writeLock({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: 'f'.repeat(32) });
    await lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ token: 'f'.repeat(32) });
  });
});

describe('acquireRunLock across processes', () => {
  const RACER = fileURLToPath(new URL('../helpers/lock-racer.mjs', import.meta.url));

  /** Spawns a racer and resolves once it is ready; `outcome` resolves with its verdict line. */
  function startRacer(): Promise<{ child: ChildProcessWithoutNullStreams; outcome: Promise<string>; exited: Promise<unknown> }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [RACER, lockPath]);
      const exited = new Promise((done) => child.once('exit', done));
      let text = '';
      let announce!: (line: string) => void;
      const outcome = new Promise<string>((done) => (announce = done));
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.startsWith('ready\n')) resolve({ child, outcome, exited });
        const verdict = /^(won|refused .*)$/m.exec(text.slice('ready\n'.length))?.[1];
        if (verdict) announce(verdict);
      });
      child.on('error', reject);
    });
  }

  it('12 processes released at the same instant on a stale lock: exactly one wins', async () => {
    writeLock({ pid: DEAD_PID, host: hostname(), startedAt: '2026-11-24T00:00:00Z' }, 3_600_000);
    const racers = await Promise.all(Array.from({ length: 12 }, () => startRacer()));
    for (const racer of racers) racer.child.stdin.write('go\n');
    const verdicts = await Promise.all(racers.map((r) => r.outcome));
    expect(verdicts.filter((v) => v === 'won')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'refused LockHeldError')).toHaveLength(11);
    for (const racer of racers) racer.child.stdin.end();
    await Promise.all(racers.map((r) => r.exited));
    expect(existsSync(lockPath)).toBe(false);
  });
});
