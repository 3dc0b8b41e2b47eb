/** LocalFileError messages (exit 5): one line, the absolute path and the cause an operator can act on. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, LocalFileError } from '../../../src/errors.js';
import { asLocalFileError, localFileError } from '../../../src/state/local-file.js';

const errno = (code: string, path?: string, syscall?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: something, ${syscall} '${path}'`), { code, path, syscall });
const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('localFileError', () => {
  it.each([
    ['ENOSPC', 'no space left on device'],
    ['EACCES', 'permission denied'],
    ['EROFS', 'read-only file system'],
    ['EDQUOT', 'disk quota exceeded'],
    ['EISDIR', 'the path is a folder'],
  ])('%s → "%s", exit 5', (code, cause) => {
    const error = localFileError('write the state file', 'state.json', errno(code));
    expect(error).toBeInstanceOf(LocalFileError);
    expect(error.exitCode).toBe(ExitCode.localFile);
    expect(error.message).toBe(`cannot write the state file ${resolve('state.json')}: ${code} (${cause})`);
  });

  it('ENOENT names the folder that does not exist (or says the file is missing when the folder is there)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchdog-local-'));
    folders.push(dir);
    expect(localFileError('create the run lock', join(dir, 'nope', 'x.lock'), errno('ENOENT')).message).toBe(
      `cannot create the run lock ${join(dir, 'nope', 'x.lock')}: ENOENT (the folder ${join(dir, 'nope')} does not exist)`,
    );
    expect(localFileError('read the journal', join(dir, 'x'), errno('ENOENT')).message).toBe(
      `cannot read the journal ${join(dir, 'x')}: ENOENT (no such file)`,
    );
  });

  it('passes a WatchdogError through unchanged', () => {
    const config = new ConfigError('bad');
    expect(localFileError('write', 'x', config)).toBe(config);
  });
});

describe('asLocalFileError (the safety net in withConfig)', () => {
  it('turns an errno error with a path into exit 5; anything else is not a file failure', () => {
    expect(asLocalFileError(errno('ENOSPC', '/var/lib/watchdog/state.json.123.tmp', 'write'))?.message).toBe(
      'cannot write /var/lib/watchdog/state.json.123.tmp: ENOSPC (no space left on device)',
    );
    expect(asLocalFileError(errno('ECONNREFUSED', undefined, 'connect'))).toBeUndefined();
    expect(asLocalFileError(new TypeError('x is not a function'))).toBeUndefined();
  });
});
