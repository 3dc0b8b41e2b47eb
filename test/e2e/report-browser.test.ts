/** The HTML report as a browser shows it: headless Chromium (Debian's package) renders the built CLI's page. */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_REPORT_NOW } from '../../dev/audit-fixture.js';
import { CHROMIUM_PATH, chromiumAvailable, dumpDom, screenshotHtml } from '../../dev/chromium.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { colourCounts, decodePng } from '../helpers/png.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/audit-policy.jsonl', import.meta.url));
const BROWSER_TIMEOUT_MS = 120_000;

describe('the HTML report in headless Chromium', () => {
  let dir: string;
  let htmlPath: string;
  beforeAll(async () => {
    // Not skipped when missing: the test names what to install (apt-get install chromium).
    if (!chromiumAvailable()) throw new Error(`${CHROMIUM_PATH} not found: install Debian's chromium package (or set CHROMIUM_PATH)`);
    dir = mkdtempSync(join(tmpdir(), 'watchdog-report-browser-'));
    writeDemoConfig(dir, { iiq: 'http://127.0.0.1:9/identityiq', pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
    copyFileSync(FIXTURE, join(dir, 'audit.jsonl'));
    htmlPath = join(dir, 'report.html');
    const result = await runCli(
      ['report', '--config', 'config.json', '--format', 'html', '--output', htmlPath, '--now', SAMPLE_REPORT_NOW],
      { cwd: dir, env: {} },
    );
    expect(result.code).toBe(0);
  }, BROWSER_TIMEOUT_MS);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'renders a page that is not blank: text, and the charts in their colours',
    async () => {
      const pngPath = join(dir, 'report.png');
      const run = await screenshotHtml(htmlPath, pngPath, { width: 1100, height: 1400 });
      expect(run.code, run.stderr.slice(-500)).toBe(0);
      const png = decodePng(readFileSync(pngPath));
      expect([png.width, png.height]).toEqual([1100, 1400]);
      const counts = colourCounts(png);
      const total = png.width * png.height;
      const white = counts.get('#ffffff') ?? 0;
      // A blank render is one colour; this page has text, tables and three charts.
      expect(counts.size).toBeGreaterThan(50);
      expect(white / total).toBeLessThan(0.95);
      // The Okabe–Ito blue of the first tier's line and markers (and the cards' rule) is on screen.
      expect(counts.get('#0072b2') ?? 0).toBeGreaterThan(300);
      expect(counts.get('#d55e00') ?? 0).toBeGreaterThan(100);
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'the browser parses three charts with titles and finds no script, image or external reference',
    async () => {
      const run = await dumpDom(htmlPath);
      expect(run.code, run.stderr.slice(-500)).toBe(0);
      const dom = run.stdout;
      expect(dom.match(/<svg /g)).toHaveLength(3);
      expect(dom.match(/<title id="chart-[a-z]+-title">/g)).toHaveLength(3);
      expect(dom).toContain('Time to detect per week');
      expect(dom).not.toMatch(/<(script|img|link|iframe)\b/i);
    },
    BROWSER_TIMEOUT_MS,
  );
});
