/**
 * The local files a run reads and writes (state, journal, lock, audit, metrics): opened only when
 * they are regular files, written atomically or appended a line at a time, and every failure
 * turned into one LocalFileError (exit 5) that names the path and the cause.
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LocalFileError, WatchdogError, describeError } from '../errors.js';

/** Error code of a path that exists but is not a regular file (a FIFO, a device, a socket, a folder). */
export const NOT_REGULAR_FILE = 'ENOTREGULAR';

/**
 * A path the watchdog must read or write is not a regular file: a FIFO (an audit pipe to a log
 * forwarder), a device (a symbolic link to /dev/zero), a socket or a folder. Errno-shaped (code,
 * path, syscall) so the local-file errors word it like any other file failure.
 */
export class NotRegularFileError extends Error {
  readonly code = NOT_REGULAR_FILE;
  readonly syscall = 'open';
  constructor(
    readonly path: string,
    /** "a FIFO (named pipe)", "a folder", ... */
    readonly kind: string,
  ) {
    super(`${path} is ${kind}, not a regular file`);
    this.name = 'NotRegularFileError';
  }
}

/** What a non-regular file is, in words. */
export function describeFileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a folder';
  return 'not a regular file';
}

// Never block in open(): a FIFO without a reader (or writer) would hold the run forever. On a
// regular file O_NONBLOCK changes nothing. Windows has no FIFOs of this kind (and no flag).
const NONBLOCK = (constants as Partial<typeof constants>).O_NONBLOCK ?? 0;
const FLAGS = {
  read: constants.O_RDONLY | NONBLOCK,
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NONBLOCK,
  createExclusive: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NONBLOCK,
} as const;

/**
 * Opens `path` only if it is a regular file (or, for append and createExclusive, creates it with
 * `mode`): anything else is refused at once with NotRegularFileError, never waited on. Other
 * errors (ENOENT, EACCES, EEXIST, ...) are thrown as they are.
 */
export async function openRegularFile(path: string, how: keyof typeof FLAGS, mode = 0o600): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, FLAGS[how], mode);
  } catch (error) {
    // ENXIO: a FIFO opened for writing without a reader; EISDIR: a folder opened for writing.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'EISDIR') throw await notRegular(path, error);
    throw error;
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (!info.isFile()) {
    await handle.close();
    throw new NotRegularFileError(path, describeFileKind(info));
  }
  return handle;
}

async function notRegular(path: string, cause: unknown): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  return info && !info.isFile() ? new NotRegularFileError(path, describeFileKind(info)) : cause;
}

// The open failure that means "nothing there to use" for each way of opening: a file to read
// that does not exist, a file to create that another process created first.
const ABSENT_CODE = { read: 'ENOENT', createExclusive: 'EEXIST' } as const;

/**
 * Opens `path` as a regular file, hands the handle to `use` and closes it afterwards. Undefined,
 * without calling `use`, when there is nothing to use (see ABSENT_CODE); any other failure,
 * NotRegularFileError included, is thrown.
 */
export async function withRegularFile<T>(
  path: string,
  how: keyof typeof ABSENT_CODE,
  use: (handle: FileHandle) => Promise<T>,
): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path, how);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === ABSENT_CODE[how]) return undefined;
    throw error;
  }
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** The text of a regular file; undefined when it does not exist. A FIFO, device or folder is refused (NotRegularFileError). */
export function readRegularFileText(path: string): Promise<string | undefined> {
  return withRegularFile(path, 'read', (handle) => handle.readFile('utf8'));
}

// What an operator reads after the errno code: the usual causes of a failed local write.
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'the path is a folder',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file is busy',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** The errno codes that mean "this local file cannot be used", as opposed to a bug. */
export const LOCAL_FILE_CODES: ReadonlySet<string> = new Set([...Object.keys(CAUSES), 'ENOENT', NOT_REGULAR_FILE]);

/** "ENOSPC (no space left on device)"; for ENOENT, which folder is missing. Reads the file system only for ENOENT. */
export function describeFileCause(path: string, error: unknown): string {
  if (error instanceof NotRegularFileError) return `it is ${error.kind}, not a regular file (refused rather than waited on)`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return describeError(error);
  if (code === 'ENOENT') {
    const folder = dirname(resolve(path));
    return existsSync(folder) ? 'ENOENT (no such file)' : `ENOENT (the folder ${folder} does not exist)`;
  }
  return `${code} (${CAUSES[code] ?? (error as Error).message})`;
}

/**
 * The LocalFileError (exit 5) for a failed `what` ("write the state file") on `path`: one line
 * naming the absolute path and the cause. A WatchdogError passes through unchanged.
 */
export function localFileError(what: string, path: string, error: unknown): WatchdogError {
  if (error instanceof WatchdogError) return error;
  return new LocalFileError(`cannot ${what} ${resolve(path)}: ${describeFileCause(path, error)}`, { cause: error });
}

/** Runs a local file operation; any failure becomes localFileError(what, path). */
export async function guardLocalFile<T>(what: string, path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw localFileError(what, path, error);
  }
}

/**
 * The safety net for a file failure no caller named: an errno error carrying a path and a
 * file-system code becomes a LocalFileError; anything else is undefined (a bug, reported as such).
 */
export function asLocalFileError(error: unknown): WatchdogError | undefined {
  const errno = error as NodeJS.ErrnoException | undefined;
  if (!errno || typeof errno.path !== 'string' || !errno.code || !LOCAL_FILE_CODES.has(errno.code)) return undefined;
  const what = errno.syscall ? errno.syscall : 'use';
  return localFileError(what, errno.path, error);
}

/**
 * Replaces a file atomically: write a temp file beside it, fsync, rename over. A crash at any
 * moment leaves the old file or the new one, never a torn one. The file is its owner's only
 * (0600): umask can only take permissions away, so it is 0600 whatever the umask.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  // A FIFO, device or folder at the path is someone else's: refused, never replaced by the rename (absent is fine).
  const info = await stat(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (info && !info.isFile()) throw new NotRegularFileError(path, describeFileKind(info));
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await openRegularFile(temp, 'createExclusive');
    try {
      // UTF-8 (kept lines of other encodings are rewritten by rewriteKeepingLines, from the file's own bytes).
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Windows refuses a rename over a file another process has open (a reader, an antivirus): retry briefly.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await rename(temp, path);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 5 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Removes temp files a killed writer of `path` left behind. Call only while holding the lock
 * that serialises writers of `path`: then no such file can belong to a live write.
 */
export async function removeAbandonedTempFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const abandoned = names.filter((name) => name.startsWith(prefix) && /\.\d+\.[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length - 1)));
  await Promise.all(abandoned.map((name) => rm(join(dirname(path), name), { force: true })));
}

/** Appends one JSON line (one write call, so concurrent readers see whole lines). */
export async function appendJsonLine(path: string, record: unknown): Promise<void> {
  const handle = await openRegularFile(path, 'append');
  try {
    await handle.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
  } finally {
    await handle.close();
  }
}
