import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** A config file is a few kilobytes; an exceptions file a few thousand entries. Anything larger is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
export const MAX_EXCEPTIONS_BYTES = 8 * 1024 * 1024;

/**
 * The encoding problem of a file that should be UTF-8 JSON: UTF-16 (by its byte-order mark, or
 * by NUL bytes on every other position, as Windows Notepad's "Unicode" writes it), or NUL bytes
 * elsewhere. Undefined when the bytes may be UTF-8 (a UTF-8 byte-order mark is fine). Pure.
 */
export function describeEncodingProblem(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'is UTF-16 (little-endian)';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'is UTF-16 (big-endian)';
  const nul = bytes.indexOf(0);
  if (nul === -1) return undefined;
  // UTF-16 without a mark: ASCII text has its zero bytes on odd positions (LE) or even ones (BE).
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096));
  let evenZeros = 0;
  let oddZeros = 0;
  sample.forEach((byte, index) => {
    if (byte === 0) {
      if (index % 2 === 0) evenZeros += 1;
      else oddZeros += 1;
    }
  });
  const half = Math.floor(sample.length / 2);
  if (oddZeros >= half * 0.9 && evenZeros === 0) return 'is UTF-16 (little-endian)';
  if (evenZeros >= half * 0.9 && oddZeros === 0) return 'is UTF-16 (big-endian)';
  return `has NUL bytes (the first at byte ${nul}): it is not a UTF-8 text file`;
}

/**
 * Reads a JSON file the operator wrote (the config, the exceptions file) as UTF-8 text, or
 * throws ConfigError (exit 2) naming it (`name`, e.g. "config file ./config.json"): a folder, a
 * pipe, a device, a file over `maxBytes`, UTF-16 or NUL bytes. Never read past `maxBytes`, so a
 * file that grows while read cannot fill the memory.
 * Other errors (ENOENT, EACCES) are thrown as they are, for the caller to word.
 */
export function readOperatorJsonText(path: string, name: string, maxBytes: number): string {
  // Looked at before opening: opening a FIFO without a writer blocks the whole process, signals included.
  const before = statSync(path);
  if (before.isDirectory()) throw new ConfigError(`${name} is a folder, not a file`);
  if (!before.isFile()) throw new ConfigError(`${name} is not a regular file (a pipe, device or socket): give the path of a file`);
  const fd = openSync(path, constants.O_RDONLY | ((constants as Partial<typeof constants>).O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new ConfigError(`${name} is not a regular file (a pipe, device or socket): give the path of a file`);
    if (info.isFile() && info.size > maxBytes)
      throw new ConfigError(`${name} is ${describeBytes(info.size)}, over the ${describeBytes(maxBytes)} a file of this kind can be`);
    const bytes = readAtMost(fd, maxBytes + 1);
    if (bytes.length > maxBytes) throw new ConfigError(`${name} is over the ${describeBytes(maxBytes)} a file of this kind can be`);
    const problem = describeEncodingProblem(bytes);
    if (problem) throw new ConfigError(`${name} ${problem}; save it as UTF-8`);
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

function readAtMost(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.alloc(Math.min(65_536, limit - total));
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
  }
  return Buffer.concat(chunks, total);
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
