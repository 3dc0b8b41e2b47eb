/**
 * Renders the sample report (dev/audit-fixture.ts) with the built CLI and takes its screenshot
 * in headless Chromium: `npm run build && node dist/dev/report-screenshot.js [out.png]`
 * (default docs/report-screenshot.png). Nothing is fetched: the page is self-contained.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SAMPLE_REPORT_NOW, sampleAuditRecords } from './audit-fixture.js';
import { screenshotHtml } from './chromium.js';
import { runCli, writeDemoConfig } from './run-cli.js';

const out = resolve(process.argv[2] ?? 'docs/report-screenshot.png');
const dir = mkdtempSync(join(tmpdir(), 'watchdog-screenshot-'));
try {
  writeDemoConfig(dir, { iiq: 'http://127.0.0.1:9/identityiq', pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
  writeFileSync(
    join(dir, 'audit.jsonl'),
    `${sampleAuditRecords()
      .map((r) => JSON.stringify(r))
      .join('\n')}\n`,
  );
  const html = await runCli(['report', '--config', 'config.json', '--format', 'html', '--now', SAMPLE_REPORT_NOW], { cwd: dir, env: {} });
  if (html.code !== 0) throw new Error(`report failed (exit ${html.code}): ${html.stderr}`);
  const page = join(dir, 'report.html');
  // The heading shows where a real installation keeps its log, not this temporary folder.
  writeFileSync(page, html.stdout.replace(join(dir, 'audit.jsonl'), '/var/lib/iiq-leaver-sla-watchdog/audit.jsonl'));
  const shot = await screenshotHtml(page, out, { width: 1100, height: Number(process.env.SCREENSHOT_HEIGHT ?? 4200) });
  if (shot.code !== 0) throw new Error(`chromium failed (exit ${shot.code}): ${shot.stderr.slice(-500)}`);
  process.stdout.write(`${out}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
