/** A small run of the benchmark (npm test builds first): bounded concurrency and the right breaches, no timing asserted. */
import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run-bench.js';
import { runNotStartedBench } from '../../bench/run-not-started-bench.js';

describe('bench (small N)', () => {
  it('every mode stays within the concurrency and finds exactly the breaching identities', async () => {
    const concurrency = 4;
    const result = await runBench({
      identities: 100,
      accountsPerIdentity: 12,
      breachingFraction: 0.05,
      latencyMs: 5,
      concurrency,
      pageSize: 50,
      skipNaive: false,
    });
    expect(result.expectedBreaches).toBe(5);
    expect(result.rows.map((row) => row.mode)).toEqual([
      'naive sequential (REST)',
      'reference client (REST)',
      'reference client (SCIM per identity)',
      'watchdog REST',
      'watchdog SCIM per identity',
      'watchdog SCIM bulk',
    ]);
    for (const row of result.rows) {
      expect(row.exitCode, row.mode).toBe(0);
      // The reference client decides nothing: it counts no breaches.
      expect(row.breachesFound, row.mode).toBe(row.mode.startsWith('reference') ? -1 : 5);
      expect(row.maxInFlight, row.mode).toBeLessThanOrEqual(row.mode.startsWith('naive') ? 1 : concurrency);
      expect(row.peakRssMb, row.mode).toBeGreaterThan(0);
      expect(row.cpuMs, row.mode).toBeGreaterThan(0);
    }
    const [naive, referenceRest, referenceScim, rest, scim, bulk] = result.rows;
    // The reference client sends the per-identity modes' reads and nothing else: the listing pages and one read per identity.
    expect(referenceRest?.requests).toBe(naive?.requests); // 2 pages + 100 link reads
    expect(referenceScim?.requests).toBe(102); // 2 pages + 100 account reads
    // Changed: the watchdog also lists the leavers still active, one (empty) page here; the naive loop does not.
    expect(rest?.requests).toBe((naive?.requests ?? 0) + 1); // 2 pages + 100 link reads either way, + 1 not-started page
    // One read of the SCIM Account schema per run, so that attributes= names only declared attributes.
    expect(scim?.requests).toBe(104); // 2 pages + the not-started page + the Account schema + 100 account reads
    expect(bulk?.requests).toBeLessThan(10); // 2 pages, the not-started page, the Account schema, a probe, 2 bulk pages
  });

  it('--deliver: every mode pages the breaching identities to PagerDuty, the pacing floor taken out of the ratio', async () => {
    const result = await runBench({
      identities: 100,
      accountsPerIdentity: 12,
      breachingFraction: 0.05,
      latencyMs: 5,
      concurrency: 4,
      pageSize: 50,
      skipNaive: true,
      skipReference: true,
      deliver: true,
    });
    // 5 triggers, one each 60 ms at 1000 a minute: the first at once.
    expect(result.pacingFloorMs).toBe(4 * 60);
    expect(result.rows.map((row) => row.mode)).toEqual(['watchdog REST', 'watchdog SCIM per identity', 'watchdog SCIM bulk']);
    for (const row of result.rows) {
      expect(row.exitCode, row.mode).toBe(0);
      expect(row.breachesFound, row.mode).toBe(5);
      expect(row.ratioToIdeal, row.mode).toBeCloseTo((row.wallMs - result.pacingFloorMs) / result.idealMs, 6);
    }
  });

  it('--not-started: the not-started listing adds only its own pages and the account reads of those past SLA', async () => {
    const rows = await runNotStartedBench({
      identities: 100,
      notStarted: 20,
      notStartedPastSlaFraction: 0.2,
      accountsPerIdentity: 4,
      breachingFraction: 0.05,
      latencyMs: 0,
      concurrency: 4,
      pageSize: 50,
    });
    expect(rows.map((row) => [row.api, row.notStarted])).toEqual([
      ['rest', 0],
      ['rest', 20],
      ['scim', 0],
      ['scim', 20],
    ]);
    for (const row of rows) {
      expect(row.exitCode, `${row.api} ${row.notStarted}`).toBe(0);
      expect(row.breachesFound).toBe(row.expectedBreaches);
      expect(row.inactiveListingPages).toBe(2);
      // One page either way: empty without them, 20 leavers in one page of 50 with them.
      expect(row.notStartedListingPages).toBe(1);
      expect(row.notStartedPastSlaAccountReads).toBe(row.notStarted === 0 ? 0 : 4);
      expect(row.notStartedWithinSlaAccountReads).toBe(0);
      // 100 inactive account reads, and over SCIM the Account schema once.
      expect(row.rest).toBe(row.api === 'scim' ? 101 : 100);
      expect(row.total).toBe(row.inactiveListingPages + row.notStartedListingPages + row.notStartedPastSlaAccountReads + row.rest);
    }
  });
});
