import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { guardLocalFile } from '../state/local-file.js';
import { acquireRunLock } from '../state/run-lock.js';

/** The run lock of a state file: `<state.path>.lock`. */
export function lockPathFor(statePath: string): string {
  return `${statePath}.lock`;
}

/**
 * Runs `body` inside the run lock of `statePath` (cycle and replay alike). Throws LockHeldError
 * (exit 4) or LocalFileError (exit 5); a lock that cannot be removed is logged, and the next run
 * takes it over.
 */
export async function withRunLock<T>(statePath: string, logger: Logger, body: () => Promise<T>): Promise<T> {
  const lockPath = lockPathFor(statePath);
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
