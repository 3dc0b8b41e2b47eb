/**
 * Headless Chromium for tests of pages a person opens (the fake PagerDuty's incidents page): the
 * DOM after the page loaded, as the browser built it. The launcher is dev/chromium.ts's.
 */
import { CHROMIUM_PATH, chromiumAvailable, dumpDomOfUrl } from '../../dev/chromium.js';

export { CHROMIUM_PATH };

/** Whether the browser is installed; tests fail (not skip) without it, saying how to install it. */
export function requireChromium(): void {
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
}

/** Loads `url` in a fresh headless profile and returns the serialized DOM (`--dump-dom`). */
export async function dumpDom(url: string): Promise<string> {
  requireChromium();
  const run = await dumpDomOfUrl(url);
  if (run.code !== 0) throw new Error(`chromium exited ${run.code}\n${run.stderr}`);
  return run.stdout;
}
