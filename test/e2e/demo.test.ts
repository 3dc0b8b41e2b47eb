/** `npm run demo` (the built demo): shows its commands, says why each leaver was or was not paged, cleans up. */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('prints each command, why each of the six leavers was or was not paged, and removes its folder', async () => {
  const tmp = makeTempDir('watchdog-demo-');
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['dist/demo/demo.js'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', TMPDIR: tmp } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
  expect(output.match(/^\$ node dist\/src\/cli\.js (run|report) --config \S+/gm)).toHaveLength(3);
  const [cycle1, cycle2] = output.split('== Cycle').slice(1);
  expect(cycle1).toContain('Jane Doe (jdoe): paged — warning: past the SLA; still enabled: Active Directory, Salesforce');
  expect(cycle1).toContain('John Smith (jsmith): paged — error: past twice the SLA');
  expect(cycle1).toContain('Chris Contractor (ccontractor): not paged — within SLA (left 2.0 h ago, contractor SLA 6 h)');
  expect(cycle1).toContain('Olga Old (oold): not paged — all accounts disabled');
  expect(cycle1).toContain('Hank Archive (harchive): not paged — only an excluded application is still enabled: HR Archive');
  expect(cycle1).toContain(
    'Nora Pending (npending): paged — not started (still active in the source after the termination); warning: past the SLA; still enabled: Active Directory (left 10.0 h ago, standard SLA 8 h; first breach)',
  );
  expect(cycle1).toContain('listed 5 inactive and 1 not started, 5 past SLA, 5 link reads, 3 triggered');
  expect(cycle1).toMatch(
    /PagerDuty got trigger iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e \(HTTP 202\)\n +\[warning\] Leaver not started: Nora Pending is still active in IdentityIQ 10\.0h after termination; 1 account enabled \(standard SLA 8h\)/,
  );
  expect(cycle2).toContain('Jane Doe (jdoe): incident resolved — all accounts disabled');
  expect(cycle2).toContain('Nora Pending (npending): still paged (incident stays open) — not started');
  expect(output).not.toContain('disagree');
  expect(output).toMatch(/overall +3 +1 +2/);
  expect(output).toMatch(/stage not-started +1 +1 +0/);
  expect(output).toMatch(/stage started +2 +0 +2/);
  expect(readdirSync(tmp)).toEqual([]); // the demo removed its working folder
}, 120_000);
