/**
 * Temp folders for tests that are removed when the test file is done, whatever its outcome:
 * every `npm test` used to leave ~360 folders behind in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/**
 * Removes every folder made since the last call: test/helpers/temp-dir-cleanup.ts calls it after
 * each test file (a worker keeps this module from one file to the next, so it cannot register
 * that hook itself).
 */
export function removeMadeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/** A fresh folder under the OS temp dir, removed after the test file's last test. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes a folder made by makeTempDir now (for tests that make many). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}
