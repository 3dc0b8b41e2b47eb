import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LocalFileError, WatchdogError, describeError } from '../errors.js';
import { NOT_REGULAR_FILE, NotRegularFileError } from './regular-file.js';

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
