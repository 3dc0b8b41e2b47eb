/**
 * Headless Chromium (Debian's /usr/bin/chromium) for the report's screenshot and browser tests.
 * Every run gets a fresh profile folder, resolves no host names (nothing leaves the machine)
 * and is killed after a time limit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Chromium is looked for: CHROMIUM_PATH, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when the browser is installed. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** What one headless run printed. */
export interface ChromiumRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChromium(args: readonly string[], timeoutMs: number): Promise<ChromiumRun> {
  // Chromium's singleton socket lives under the profile, and a Unix socket path has at most 107
  // bytes (<profile>/org.chromium.Chromium.*/SingletonSocket): a deep TMPDIR falls back to /tmp.
  const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const profile = mkdtempSync(join(base, 'wd-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    '--disable-extensions',
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    `--user-data-dir=${profile}`,
  ];
  return new Promise((resolve, reject) => {
    // Chromium leaves .org.chromium.* files in TMPDIR: keep them inside the profile removed below.
    const child = spawn(CHROMIUM_PATH, [...flags, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: profile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code) => {
      done();
      resolve({ code, stdout, stderr });
    });
  });
}

/** Renders a local HTML file to a PNG of the given window size (the page beyond it is cut). */
export function screenshotHtml(
  htmlPath: string,
  pngPath: string,
  size: { width: number; height: number },
  timeoutMs = 90_000,
): Promise<ChromiumRun> {
  return runChromium([`--screenshot=${pngPath}`, `--window-size=${size.width},${size.height}`, pathToFileURL(htmlPath).href], timeoutMs);
}

/** The DOM of a local HTML file after the browser parsed it, as serialised HTML on stdout. */
export function dumpDom(htmlPath: string, timeoutMs = 90_000): Promise<ChromiumRun> {
  return dumpDomOfUrl(pathToFileURL(htmlPath).href, timeoutMs);
}

/** The DOM of a page (a file: or loopback http: URL) after the browser loaded it. */
export function dumpDomOfUrl(url: string, timeoutMs = 90_000): Promise<ChromiumRun> {
  return runChromium(['--dump-dom', url], timeoutMs);
}
