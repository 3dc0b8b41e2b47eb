import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

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

/** Refuses a path that exists and is not a regular file (before a file is renamed over it); absent is fine. */
export async function assertRegularOrAbsent(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!info.isFile()) throw new NotRegularFileError(path, describeFileKind(info));
}

async function notRegular(path: string, cause: unknown): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  return info && !info.isFile() ? new NotRegularFileError(path, describeFileKind(info)) : cause;
}

/** The text of a regular file; undefined when it does not exist. A FIFO, device or folder is refused (NotRegularFileError). */
export async function readRegularFileText(path: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path, 'read');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
