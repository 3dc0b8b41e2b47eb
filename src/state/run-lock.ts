import { hostname } from 'node:os';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { LockHeldError } from '../errors.js';

/** A lock older than this (no heartbeat) belongs to a run that died: take it over. */
export const LOCK_STALE_MS = 120_000;
const HEARTBEAT_MS = 20_000;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** A held run lock; release it when the cycle ends. */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * Takes `<state.path>.lock` by exclusive create, holding pid, host and start time. A lock is
 * stale when its owner is a dead process on this host, or its heartbeat (mtime, refreshed
 * every 20 s) is older than LOCK_STALE_MS; a stale lock is taken over, a live one throws
 * LockHeldError at once.
 */
export async function acquireRunLock(lockPath: string): Promise<RunLock> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return holdLock(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await describeHolder(lockPath);
      if (holder.live) throw new LockHeldError(`another run holds the lock ${lockPath} (${holder.description}); exiting`);
      await rm(lockPath, { force: true });
    }
  }
  throw new LockHeldError(`another run took the lock ${lockPath} at the same moment; exiting`);
}

function holdLock(lockPath: string): RunLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      await rm(lockPath, { force: true });
    },
  };
}

async function describeHolder(lockPath: string): Promise<{ live: boolean; description: string }> {
  let ageMs: number;
  try {
    ageMs = Date.now() - (await stat(lockPath)).mtimeMs;
  } catch {
    return { live: false, description: 'gone' };
  }
  let owner: Partial<LockOwner> = {};
  try {
    owner = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
  } catch {
    // Unreadable content (a crash mid-write, a foreign file): judge by age alone.
  }
  const description = `pid ${owner.pid ?? '?'} on ${owner.host ?? '?'} since ${owner.startedAt ?? '?'}`;
  if (ageMs > LOCK_STALE_MS) return { live: false, description };
  if (owner.host === hostname() && typeof owner.pid === 'number' && !isProcessAlive(owner.pid)) return { live: false, description };
  return { live: true, description };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
