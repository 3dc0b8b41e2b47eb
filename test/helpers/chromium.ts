/**
 * Headless Chromium for tests of pages a person opens (the fake PagerDuty's incidents page):
 * the DOM after the page loaded, as the browser built it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is installed; tests fail (not skip) without it, saying how to install it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
}

/** Loads `url` in a fresh headless profile and returns the serialized DOM (`--dump-dom`). */
export async function dumpDom(url: string): Promise<string> {
  requireChromium();
  // Chromium's singleton socket lives under TMPDIR, and a Unix socket path has at most 107
  // bytes (<TMPDIR>/wd-chromium-*/org.chromium.Chromium.*/SingletonSocket): else /tmp.
  const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const profile = mkdtempSync(join(base, 'wd-chromium-'));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        CHROMIUM_PATH,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-dev-shm-usage',
          `--user-data-dir=${profile}`,
          '--dump-dom',
          url,
          // Chromium leaves .org.chromium.* files in TMPDIR: keep them inside the profile removed below.
        ],
        { timeout: 90_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, TMPDIR: profile } },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
