/**
 * Confirm-before-resolve with ISC: an open incident whose identity the listing
 * missed is looked up with an `id:` search — kept while still inactive with enabled accounts,
 * resolved once its accounts are disabled or it is gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeIsc } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { JANE_DEDUP_KEY, JOHN_DEDUP_KEY, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';

describe('ISC: an unlisted identity is looked up before its incident is resolved', () => {
  it('kept while inactive with enabled accounts; resolved once disabled, or once gone', async () => {
    const isc = await startFakeIsc({ identities: toIscIdentities(demoIdentities(NOW)) });
    const pagerDuty = await startFakePagerDuty();
    const dir = mkdtempSync(join(tmpdir(), 'watchdog-isc-confirm-'));
    const resolved = () =>
      pagerDuty
        .accepted()
        .filter((e) => e.event_action === 'resolve')
        .map((e) => e.dedup_key)
        .sort();
    try {
      const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url));
      const run = (minutes: number) =>
        runCli(['run', '--config', config, '--now', new Date(NOW.getTime() + minutes * 60_000).toISOString()], {
          cwd: dir,
          env: { ...ISC_DEMO_ENV },
        });
      expect((await run(0)).code).toBe(0);

      const jane = isc.identities.find((identity) => identity.name === 'jdoe');
      isc.hiddenFromListing.add(jane?.id ?? '');
      const searchesBefore = isc.stats.byRoute.search ?? 0;
      expect((await run(15)).code).toBe(0);
      expect(resolved()).toEqual([]);
      expect((isc.stats.byRoute.search ?? 0) - searchesBefore).toBeGreaterThan(3); // the listing's pages and the id: lookup

      remediateIsc(isc.identities, 'jdoe');
      expect((await run(30)).code).toBe(0);
      expect(resolved()).toEqual([JANE_DEDUP_KEY]);

      isc.identities = isc.identities.filter((identity) => identity.name !== 'jsmith');
      expect((await run(45)).code).toBe(0);
      expect(resolved()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);
    } finally {
      await Promise.all([isc.close(), pagerDuty.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
