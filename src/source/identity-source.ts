import type { TaskRun } from '../sla/chain-task.js';
import type { Account, Identity } from '../sla/identity.js';

// The SLA rules decide on these; they live with the rules so sla/ depends on no source.
export type { Account, Identity } from '../sla/identity.js';

/** The result of reading one identity's accounts. A failed read throws SourceReadError instead. */
export type AccountsRead = { kind: 'accounts'; accounts: Account[] } | { kind: 'identity-gone' };

/** What looking one identity up found: it is gone, or it exists (its `inactive` says whether it still is). */
export type IdentityLookup = { kind: 'gone' } | { kind: 'found'; identity: Identity };

/**
 * What the source answered to a request to process one identity: accepted (with the source's task
 * id when it gave one) or failed, in the classified form only (never the source's text).
 */
export type ProcessingRequestOutcome = { kind: 'accepted'; taskId: string | undefined } | { kind: 'failed'; error: string };

/** What a cycle knows before the listing about the account reads it will skip. */
export interface AccountReadOutlook {
  /** Identities verified clean whose re-check is not due: not read unless their termination instant or tier changed. */
  verifiedCleanNotDue: number;
}

/**
 * Where identities and accounts come from (REST or SCIM adapter). Raw IIQ JSON never leaves
 * an adapter. Every method throws SourceReadError when IIQ could not be read completely.
 */
export interface IdentitySource {
  /** Every identity IIQ reports inactive, one page at a time (streamed, not collected). */
  listInactiveIdentities(): AsyncIterable<Identity[]>;
  /**
   * Every identity the source still shows active whose `terminationDateAttribute` is set (the
   * leavers that may not have started), one page at a time. Which of them are past
   * their termination is for the watchdog to compare, never the source.
   */
  listNotStartedIdentities?(terminationDateAttribute: string): AsyncIterable<Identity[]>;
  /** The accounts (links) of one identity. */
  fetchAccounts(identity: Identity): Promise<AccountsRead>;
  /**
   * Looks one identity up on its own: gone, or found (its `inactive` says whether
   * still inactive). Used before resolving an open incident whose identity a complete listing
   * did not contain. Throws SourceReadError when the lookup itself failed (never "gone" on a failed read).
   */
  lookupIdentity(ref: { id: string; name: string }): Promise<IdentityLookup>;
  /** Optional: told before the listing how many reads the re-check schedule skips, to plan how to read accounts. */
  expectAccountReads?(outlook: AccountReadOutlook): void;
  /**
   * Optional: the ids of the identities owning an account the source changed after `since`, read
   * page by page (uncorrelated accounts have no owner and are left out). Absent where the source
   * cannot say which accounts changed (IIQ REST). Throws SourceReadError when not read completely.
   */
  fetchChangedAccountOwners?(since: Date): Promise<ReadonlySet<string>>;
  /**
   * IIQ only (both API modes, through SCIM): every TaskResult whose name starts with `taskName`,
   * for the chain's own health. Throws SourceReadError on a failed or incomplete read.
   */
  readTaskResults?(taskName: string): Promise<TaskRun[]>;
  /**
   * Optional, the watchdog's only write: asks the source to process these leavers it still shows
   * active (ISC identity processing; IIQ the configured refresh workflow). One outcome per
   * identity, in order; never throws for a refused request. Absent where it cannot be asked
   * (IIQ without `iiq.refreshWorkflow`).
   */
  requestProcessing?(identities: readonly { id: string; name: string }[]): Promise<ProcessingRequestOutcome[]>;
}
