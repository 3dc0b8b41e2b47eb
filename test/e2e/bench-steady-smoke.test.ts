/** A small run of the steady-state scenario (npm test builds first): the probes hold; no timing asserted. */
import { describe, expect, it } from 'vitest';
import { runSteadyState } from '../../bench/steady-state.js';

describe('bench steady state (small N)', () => {
  it('skips verified identities on warm cycles and misses nothing: new leaver, changed date, re-enabled accounts', async () => {
    const { rows, checks } = await runSteadyState({
      identities: 400,
      accountsPerIdentity: 4,
      breachingFraction: 0.02,
      latencyMs: 1,
      concurrency: 4,
      pageSize: 100,
      modes: ['scim', 'bulk'],
      catchUp: false,
    });
    expect(rows.map((row) => `${row.mode} ${row.cycle}`)).toEqual([
      'scim cold',
      'scim +15 min',
      'scim +12 h',
      'scim +24 h',
      'bulk cold',
      'bulk +15 min',
      'bulk +12 h',
      'bulk +24 h',
    ]);
    for (const row of rows) expect(row.exitCode, `${row.mode} ${row.cycle}`).toBe(0);
    const probes = checks.filter((c) => /new leaver|changed termination|re-enabled/.test(c.name));
    expect(probes).toHaveLength(10);
    for (const probe of probes) expect(probe.ok, `${probe.mode}: ${probe.name}: ${probe.detail}`).toBe(true);
    const scim = rows.filter((row) => row.mode === 'scim');
    // Cold: every identity past SLA read (8 breaching + 392 clean), no change read yet; +15 min: the 8 open
    // incidents and the one identity whose account was re-enabled, found by one change-read page.
    expect(scim[0]).toMatchObject({ accountsRead: 400, skipped: 0, rechecked: 0, changeReadPages: 0 });
    expect(scim[1]).toMatchObject({ accountsRead: 9, skipped: 391, rechecked: 0, changeReadPages: 1, accountChangedReads: 1 });
    expect(scim[1]!.requests).toBeLessThan(scim[0]!.requests / 20);
  }, 120_000);
});
