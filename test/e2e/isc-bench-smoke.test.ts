/** A small run of the ISC benchmark (npm test builds first): exact breaches and request counts, within the cap; no timing asserted. */
import { describe, expect, it } from 'vitest';
import { runIscBench } from '../../bench/run-isc-bench.js';

describe('ISC bench (small N)', () => {
  it('reads accounts only for the leavers the index shows enabled, never above the cap, no 429', async () => {
    const row = await runIscBench({
      identities: 600,
      accountsPerIdentity: 12,
      breachingFraction: 0.01,
      latencyMs: 2,
      maxRequestsPer10Seconds: 90,
      concurrency: 4,
      pageSize: 250,
    });
    expect(row.exitCode).toBe(0);
    expect(row.breachesFound).toBe(6);
    // Three pages of leavers and one (empty) page of the not-started listing.
    expect(row.byRoute).toEqual({ token: 1, search: 4, accounts: 6 });
    expect(row.maxIn10s).toBeLessThanOrEqual(90);
    expect(row.rateLimited).toBe(0);
    expect(row.peakRssMb).toBeGreaterThan(0);
  });
});
