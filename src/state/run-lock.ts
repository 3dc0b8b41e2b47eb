import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LockHeldError, describeError } from '../errors.js';
import { guardLocalFile, withRegularFile } from './local-file.js';
import type { Logger } from 'pino';

/** A lock older than this (no heartbeat) belongs to a run that died: take it over. */
export const LOCK_STALE_MS = 120_000;
const HEARTBEAT_MS = 20_000;
/** Claims on one stale lock tried before giving up (each earlier one left by a claimer that died). */
const MAX_CLAIMS = 8;
/** How often the lock may change hands under one acquisition before this run gives up (exit 4). */
const MAX_ATTEMPTS = 4;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Random per run: tells this run's lock file from any other, even one with a reused pid or inode. */
  token: string;
}

/** A held run lock; release it when the cycle ends. */
export interface RunLock {
  release(): Promise<void>;
}

/** One look at a lock (or claim) file: who wrote it, how old its heartbeat is, and which file it was. */
interface LockSnapshot {
  owner: Partial<LockOwner>;
  ageMs: number;
  /** Inode and content: a takeover replaces only the very file it judged stale. */
  generation: string;
}

/**
 * Takes `<state.path>.lock` (pid, host, start time, a random token). A lock is stale when its
 * owner is a dead process on this host, or its heartbeat (mtime, refreshed every 20 s) is older
 * than LOCK_STALE_MS; a live one throws LockHeldError at once.
 *
 * Taking over a stale lock is atomic however many runs try at once: a run first claims
 * that very lock file (`<lock>.takeover-<generation>-<n>`, created exclusively, so one claimer
 * wins), checks under the claim that the lock is still the file it judged stale, and only then
 * renames its own lock file over it. Nobody else can replace that file meanwhile: other
 * claimers lose the claim, and an exclusive create fails while the file exists. Finally it reads
 * the lock back and proceeds only if the token is its own.
 */
export async function acquireRunLock(lockPath: string): Promise<RunLock> {
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(16).toString('hex'),
  };
  const content = JSON.stringify(owner);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (await createExclusive(lockPath, content)) return confirmHeld(lockPath, owner.token);
    const current = await readSnapshot(lockPath);
    if (current === undefined) continue; // released meanwhile: try to create it again
    if (isLive(current)) throw new LockHeldError(`another run holds the lock ${lockPath} (${describeOwner(current.owner)}); exiting`);
    const outcome = await takeOverStale(lockPath, current, owner);
    if (outcome === 'taken') return confirmHeld(lockPath, owner.token);
    if (outcome === 'busy') {
      throw new LockHeldError(
        `another run is taking over the stale lock ${lockPath} (${describeOwner(current.owner)}) at the same moment; exiting`,
      );
    }
  }
  throw new LockHeldError(`the lock ${lockPath} changed hands while this run tried to take it; exiting`);
}

async function takeOverStale(lockPath: string, judged: LockSnapshot, owner: LockOwner): Promise<'taken' | 'busy' | 'changed'> {
  const claimPath = await claimTakeover(lockPath, judged.generation, JSON.stringify(owner));
  if (claimPath === undefined) return 'busy';
  try {
    const now = await readSnapshot(lockPath);
    if (now === undefined) return (await createExclusive(lockPath, JSON.stringify(owner))) ? 'taken' : 'changed';
    if (now.generation !== judged.generation || isLive(now)) return 'changed';
    const candidate = `${lockPath}.${owner.token}.candidate`;
    await writeFile(candidate, JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
    try {
      await rename(candidate, lockPath);
    } catch (error) {
      await rm(candidate, { force: true });
      throw error;
    }
    return 'taken';
  } finally {
    await rm(claimPath, { force: true });
  }
}

/** Claims the takeover of one lock generation; undefined when a live run holds that claim. */
async function claimTakeover(lockPath: string, generation: string, content: string): Promise<string | undefined> {
  for (let index = 0; index < MAX_CLAIMS; index += 1) {
    const claimPath = `${lockPath}.takeover-${generation}-${index}`;
    if (await createExclusive(claimPath, content)) return claimPath;
    const holder = await readSnapshot(claimPath);
    // Gone: its takeover just ended, so the lock is someone's now. Live: it is taking over now.
    if (holder === undefined || isLive(holder)) return undefined;
    // A claimer that died mid-takeover: the next index is a fresh claim, still won by one run only.
  }
  return undefined;
}

async function confirmHeld(lockPath: string, token: string): Promise<RunLock> {
  const written = await readSnapshot(lockPath);
  if (written?.owner.token !== token) throw new LockHeldError(`another run took the lock ${lockPath} at the same moment; exiting`);
  // Claims and candidates a killed takeover left behind (old ones only: a young one may be in use).
  const folder = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  const leftovers = names.filter(
    (name) =>
      name.startsWith(prefix) &&
      /^(takeover-[0-9a-f]+-\d+|[0-9a-f]{32}\.candidate)$/.test(name.slice(prefix.length)) &&
      !name.includes(token),
  );
  for (const name of leftovers) {
    const path = join(folder, name);
    const ageMs = await stat(path).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (ageMs > LOCK_STALE_MS) await rm(path, { force: true });
  }
  // Held: the heartbeat keeps its mtime young until it is released.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      // Only our own: had this run stalled past LOCK_STALE_MS, the file may be another run's by now.
      const current = await readSnapshot(lockPath).catch(() => undefined);
      if (current?.owner.token === token) await rm(lockPath, { force: true });
    },
  };
}

/** Creates the file only if it does not exist; false when it does. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const created = await withRegularFile(path, 'createExclusive', async (handle) => {
    await handle.writeFile(content);
    return true;
  });
  return created ?? false;
}

/** Reads one file through one handle, so inode, age and content belong to the same file. */
function readSnapshot(path: string): Promise<LockSnapshot | undefined> {
  return withRegularFile(path, 'read', async (handle) => {
    const info = await handle.stat();
    const raw = await handle.readFile('utf8');
    let owner: Partial<LockOwner> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') owner = parsed;
    } catch {
      // Empty (a writer between create and write) or foreign content: judged by age alone.
    }
    const generation = createHash('sha256').update(`${info.ino}\n${raw}`).digest('hex').slice(0, 24);
    return { owner, ageMs: Date.now() - info.mtimeMs, generation };
  });
}

function isLive(snapshot: LockSnapshot): boolean {
  if (snapshot.ageMs > LOCK_STALE_MS) return false;
  const { owner } = snapshot;
  return !(owner.host === hostname() && typeof owner.pid === 'number' && !isProcessAlive(owner.pid));
}

function describeOwner(owner: Partial<LockOwner>): string {
  return `pid ${owner.pid ?? '?'} on ${owner.host ?? '?'} since ${owner.startedAt ?? '?'}`;
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

/**
 * Runs `body` inside the run lock of `statePath`, `<state.path>.lock` (cycle and replay alike). Throws LockHeldError
 * (exit 4) or LocalFileError (exit 5); a lock that cannot be removed is logged, and the next run
 * takes it over.
 */
export async function withRunLock<T>(statePath: string, logger: Logger, body: () => Promise<T>): Promise<T> {
  const lockPath = `${statePath}.lock`;
  const lock = await guardLocalFile('create the run lock', lockPath, () => acquireRunLock(lockPath));
  try {
    return await body();
  } finally {
    await lock
      .release()
      .catch((error: unknown) =>
        logger.error({ path: lockPath, error: describeError(error) }, 'run lock could not be removed (the next run takes it over)'),
      );
  }
}
