/**
 * Importing a module of src/ does nothing by itself: no server listens, no file is written, no
 * signal handler is registered. Only cli.ts acts when loaded. Every other module is imported
 * here from an empty working folder with listen patched and the signal listeners counted.
 */
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SRC = resolve(fileURLToPath(new URL('../../../src', import.meta.url)));
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'] as const;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') && path !== join(SRC, 'cli.ts') ? [path] : [];
  });
}

describe('importing src/ modules', () => {
  const home = process.cwd();
  afterAll(() => process.chdir(home));

  it('starts no server, writes nothing in the working folder and registers no process handler', async () => {
    const dir = makeTempDir('watchdog-import-');
    process.chdir(dir);
    const before = SIGNALS.map((signal) => process.listenerCount(signal));
    const listened: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged; only applied with a server as `this`
    const listen = net.Server.prototype.listen;
    let current = '';
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      listened.push(current);
      return listen.apply(this, args as never);
    } as typeof listen;
    try {
      const files = modules(SRC);
      expect(files.length).toBeGreaterThan(100);
      for (const file of files) {
        current = relative(SRC, file);
        await import(pathToFileURL(file).href);
      }
    } finally {
      net.Server.prototype.listen = listen;
      process.chdir(home);
    }
    expect(listened).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before);
  });
});
