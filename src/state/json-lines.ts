import { randomBytes } from 'node:crypto';
import { rename, rm, type FileHandle } from 'node:fs/promises';
import { openRegularFile, withRegularFile } from './local-file.js';

/** A line longer than this is not one the watchdog wrote (an event is under 512 KB): skipped, never built. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** A line left out by the reader: its 1-based number and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Streams a JSON-lines file we own (the audit log only grows, so it is never read whole): calls
 * `visit` with each non-blank line and its 1-based number. A line over MAX_LINE_BYTES is skipped
 * as it streams past — its bytes are never gathered into one string — and reported to `skip`.
 * False when the file does not exist; a FIFO, device or folder there is refused (NotRegularFileError).
 */
export async function readJsonLines(
  path: string,
  visit: (text: string, lineNumber: number) => void,
  skip: (skipped: SkippedLine) => void = () => undefined,
): Promise<boolean> {
  const read = await withRegularFile(path, 'read', async (handle) => {
    await scanLines(handle, {
      line: (bytes, lineNumber) => {
        const text = bytes.toString('utf8').replace(/\r$/, '');
        if (text.trim() !== '') visit(text, lineNumber);
      },
      tooLong: (lineNumber, bytes) => skip({ line: lineNumber, reason: `line over ${MAX_LINE_BYTES} bytes (at least ${bytes}): not read` }),
    });
    return true;
  });
  return read ?? false;
}

/**
 * Rewrites a lines file atomically keeping only the lines `keep` names (1-based), byte for byte,
 * streamed from the file itself: a kept line too long to read is copied without being held
 * whole. Removes the file when nothing is kept. Call under the lock that serialises its writers.
 */
export async function rewriteKeepingLines(path: string, keep: (lineNumber: number) => boolean): Promise<number> {
  const source = await openRegularFile(path, 'read');
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let kept = 0;
  try {
    const target = await openRegularFile(temp, 'createExclusive');
    try {
      let pending = Promise.resolve();
      const write = (bytes: Buffer): void => {
        const copy = Buffer.from(bytes);
        pending = pending.then(() => target.write(copy).then(() => undefined));
      };
      await scanLines(source, {
        line: (bytes, lineNumber) => {
          if (!keep(lineNumber)) return;
          kept += 1;
          write(Buffer.concat([bytes, Buffer.from('\n')]));
        },
        tooLongPart: (bytes, lineNumber, last) => {
          if (!keep(lineNumber)) return;
          if (last) kept += 1;
          write(last ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes);
        },
        afterChunk: () => pending,
      });
      await pending;
      await target.sync();
    } finally {
      await target.close();
    }
    if (kept === 0) await rm(path, { force: true });
    else await rename(temp, path);
  } finally {
    await source.close();
    await rm(temp, { force: true });
  }
  return kept;
}

interface LineSink {
  /** A whole line (without its newline), at most MAX_LINE_BYTES. The buffer may be reused after the call. */
  line(bytes: Buffer, lineNumber: number): void;
  /** A line that went over MAX_LINE_BYTES, reported once it ended, with the bytes seen. */
  tooLong?(lineNumber: number, bytes: number): void;
  /** The bytes of a too-long line as they stream past; `last` with its final part. */
  tooLongPart?(bytes: Buffer, lineNumber: number, last: boolean): void;
  /** Awaited after each chunk (backpressure for a writer). */
  afterChunk?(): Promise<void>;
}

async function scanLines(handle: FileHandle, sink: LineSink): Promise<void> {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let parts: Buffer[] = [];
  let partBytes = 0;
  let lineNumber = 1;
  let overlong = false;
  let overlongBytes = 0;
  const endLine = (): void => {
    if (overlong) {
      sink.tooLongPart?.(Buffer.concat(parts), lineNumber, true);
      sink.tooLong?.(lineNumber, overlongBytes + partBytes);
    } else sink.line(Buffer.concat(parts), lineNumber);
    parts = [];
    partBytes = 0;
    overlong = false;
    overlongBytes = 0;
    lineNumber += 1;
  };
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) break;
    let start = 0;
    while (start < bytesRead) {
      const newline = chunk.indexOf(10, start);
      // The buffer is reused: a newline at or past bytesRead is an old chunk's.
      const lineEnds = newline !== -1 && newline < bytesRead;
      const end = lineEnds ? newline : bytesRead;
      parts.push(Buffer.from(chunk.subarray(start, end)));
      partBytes += end - start;
      if (partBytes > MAX_LINE_BYTES) overlong = true;
      if (overlong && !lineEnds) {
        // Over the limit: hand the bytes on (a rewrite copies them) and keep none of them.
        sink.tooLongPart?.(Buffer.concat(parts), lineNumber, false);
        overlongBytes += partBytes;
        parts = [];
        partBytes = 0;
      }
      if (lineEnds) {
        endLine();
        start = end + 1;
      } else start = bytesRead;
    }
    await sink.afterChunk?.();
  }
  if (partBytes > 0 || overlong) endLine();
}
