import type { AccountsObservation } from './account-policy.js';
import type { ReadPlan } from './read-plan.js';

/** The counts one observation pass reports (the summary's source-side numbers). */
export interface ObserveStats {
  /** Inactive identities the listing returned. */
  inactiveListed: number;
  /** Inactive identities past their tier SLA (listed or looked up). */
  pastSla: number;
  /** Account reads that returned (accounts, or the identity gone). */
  accountsFetched: number;
  accountReadFailures: number;
  /** Open incidents whose identity the complete listing lacked, looked up on their own. */
  identitiesLookedUp: number;
  /** Accounts of unknown status seen outside excluded applications. */
  unknownStatusAccounts: number;
  /** Identities past SLA skipped as verified clean, re-check not due. */
  verifiedCleanSkipped: number;
  /** Verified-clean identities read again (re-check due, or what they were verified under changed). */
  verifiedCleanRechecked: number;
}

/** What happened to one identity in a pass: how it came, what was planned, what the read found. */
export type ObserveOutcome =
  | {
      kind: 'planned';
      via: 'listing' | 'lookup';
      inactive: boolean;
      pastSla: boolean;
      plan: ReadPlan;
      /** The read's result, when the plan was to read. */
      accounts: AccountsObservation | undefined;
    }
  /** An unlisted open incident's identity looked up on its own (whatever the lookup found). */
  | { kind: 'looked-up' };

/** No identity seen yet. */
export function emptyObserveStats(): ObserveStats {
  return {
    inactiveListed: 0,
    pastSla: 0,
    accountsFetched: 0,
    accountReadFailures: 0,
    identitiesLookedUp: 0,
    unknownStatusAccounts: 0,
    verifiedCleanSkipped: 0,
    verifiedCleanRechecked: 0,
  };
}

/** Pure: the counts after one more outcome. Every count follows from the plan and the read; none is kept by hand. */
export function countOutcome(stats: ObserveStats, outcome: ObserveOutcome): ObserveStats {
  if (outcome.kind === 'looked-up') return { ...stats, identitiesLookedUp: stats.identitiesLookedUp + 1 };
  const { plan, accounts } = outcome;
  const inactive = outcome.inactive ? 1 : 0;
  const read = plan.kind === 'read' ? 1 : 0;
  return {
    inactiveListed: stats.inactiveListed + (outcome.via === 'listing' ? inactive : 0),
    pastSla: stats.pastSla + (outcome.inactive && outcome.pastSla ? 1 : 0),
    accountsFetched: stats.accountsFetched + (accounts && accounts.kind !== 'failed' ? 1 : 0),
    accountReadFailures: stats.accountReadFailures + (accounts?.kind === 'failed' ? 1 : 0),
    identitiesLookedUp: stats.identitiesLookedUp,
    unknownStatusAccounts: stats.unknownStatusAccounts + (accounts?.kind === 'observed' ? accounts.unknownAccountCount : 0),
    verifiedCleanSkipped: stats.verifiedCleanSkipped + (plan.kind === 'skip' && plan.keepVerification !== undefined ? 1 : 0),
    verifiedCleanRechecked: stats.verifiedCleanRechecked + (read && plan.kind === 'read' && plan.rechecksVerification ? 1 : 0),
  };
}
