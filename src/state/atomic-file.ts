import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertRegularOrAbsent, openRegularFile } from './regular-file.js';

/**
 * Replaces a file atomically: write a temp file beside it, fsync, rename over. A crash at any
 * moment leaves the old file or the new one, never a torn one. The file is its owner's only
 * (0600): umask can only take permissions away, so it is 0600 whatever the umask.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  // A FIFO, device or folder at the path is someone else's: refused, never replaced by the rename.
  await assertRegularOrAbsent(path);
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
    await renameWithRetry(temp, path);
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

// Windows refuses a rename over a file another process has open (a reader, an antivirus): retry briefly.
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
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
