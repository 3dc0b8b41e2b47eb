/**
 * vitest globalSetup: the whole run (test workers, the CLI children they start, Chromium) gets
 * a private TMPDIR, removed at the end. Whatever a test forgot to remove is named on stderr, so
 * a leak shows up in the run that introduced it instead of piling up in /tmp.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Points TMPDIR at a fresh folder; the returned teardown reports leftovers and removes it. */
export default function setup(): () => void {
  // Each test project runs the global setups: the first one makes the folder, the others keep it.
  if (process.env.IIQ_WATCHDOG_TESTS_TMPDIR !== undefined) return () => undefined;
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'iiq-watchdog-tests-'));
  // Traversable (not listable) by others: a test runs the CLI as `nobody` in a folder of its own below.
  chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  process.env.IIQ_WATCHDOG_TESTS_TMPDIR = root;
  return () => {
    delete process.env.IIQ_WATCHDOG_TESTS_TMPDIR;
    const leftovers = readdirSync(root);
    if (leftovers.length > 0) {
      const byPrefix = new Map<string, number>();
      for (const name of leftovers) {
        const prefix = name.replace(/[A-Za-z0-9]{6}$/, '*'); // mkdtemp's random suffix
        byPrefix.set(prefix, (byPrefix.get(prefix) ?? 0) + 1);
      }
      process.stderr.write(
        `\ntemp entries the tests did not remove (${leftovers.length}): ${[...byPrefix].map(([prefix, count]) => `${prefix} ×${count}`).join(', ')}\n`,
      );
    }
    rmSync(root, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
