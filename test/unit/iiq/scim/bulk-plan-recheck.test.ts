/** The SCIM bulk plan counts only the per-identity reads that are due. */
import { describe, expect, it } from 'vitest';
import { decideAccountsPlan } from '../../../../src/iiq/scim/bulk-accounts.js';

describe('decideAccountsPlan with the re-check schedule', () => {
  it.each<[string, number, number, number, 'bulk' | 'per-identity', number]>([
    ['cold: nothing verified', 240_000, 20_000, 0, 'bulk', 20_000],
    ['quiet warm cycle: 200 reads due < 240 pages', 240_000, 20_000, 19_800, 'per-identity', 200],
    ['busy warm cycle: 620 reads due > 240 pages', 240_000, 20_000, 19_380, 'bulk', 620],
    ['more verified than listed (identities left): never below 0', 240_000, 100, 150, 'per-identity', 0],
  ])('%s', (_name, accounts, inactive, notDue, plan, due) => {
    const decided = decideAccountsPlan(accounts, inactive, notDue);
    expect(decided).toMatchObject({
      plan,
      perIdentityRequests: due,
      bulkRequests: 240,
      inactiveIdentities: inactive,
      verifiedCleanNotDue: notDue,
    });
    if (notDue > 0)
      expect(decided.reason).toContain(`${due} per-identity reads due (${inactive} inactive, ${notDue} verified clean and not due)`);
  });
});
