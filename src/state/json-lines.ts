import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * Streams a JSON-lines file we own (the audit log only grows, so it is never read whole):
 * calls `visit` with each non-blank line and its 1-based number. False when the file does not exist.
 */
export async function readJsonLines(path: string, visit: (text: string, lineNumber: number) => void): Promise<boolean> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => {
      resolve(true);
    });
    stream.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolve(false);
      else reject(error);
    });
  });
  if (!(await opened)) return false;
  let lineNumber = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (text.trim() !== '') visit(text, lineNumber);
  }
  return true;
}
