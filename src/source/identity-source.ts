/** An identity as the watchdog sees it, whichever IIQ API it came from. */
export interface Identity {
  id: string;
  name: string;
  displayName: string;
  inactive: boolean;
  /** Identity attributes (REST `attributes`, SCIM sailpoint extension). */
  attributes: Record<string, unknown>;
  /**
   * Applications of the accounts the listing itself shows enabled or of unknown status, when
   * the listing carries accounts (ISC search documents, minutes stale). Only ever used to skip
   * an account read where nothing would be decided on it; undefined = the listing does not say.
   */
  listedNotDisabledApplications?: readonly string[];
  /**
   * IIQ SCIM's `lastRefresh` (the sailpoint User extension) as an ISO instant; null = the source
   * gives it but this identity has none; undefined = the source never gives one.
   */
  lastRefresh?: string | null;
  /** ISC: set only when `processingState` is ERROR, with `processingDetails.stage` when it is a plain stage name. */
  processingError?: { stage: string | undefined };
}

/** An account (IIQ Link). `unknown` = IIQ did not say whether it is disabled: never taken as disabled. */
export interface Account {
  application: string;
  status: 'enabled' | 'disabled' | 'unknown';
}

/** The result of reading one identity's accounts. A failed read throws SourceReadError instead. */
export type AccountsRead = { kind: 'accounts'; accounts: Account[] } | { kind: 'identity-gone' };

/** What looking one identity up found: it is gone, or it exists (its `inactive` says whether it still is). */
export type IdentityLookup = { kind: 'gone' } | { kind: 'found'; identity: Identity };

/** What a cycle knows before the listing about the account reads it will skip (spec 10). */
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
   * leavers that may not have started, spec 14.1), one page at a time. Which of them are past
   * their termination is for the watchdog to compare, never the source.
   */
  listNotStartedIdentities?(terminationDateAttribute: string): AsyncIterable<Identity[]>;
  /** The accounts (links) of one identity. */
  fetchAccounts(identity: Identity): Promise<AccountsRead>;
  /**
   * Looks one identity up on its own (spec 4.4): gone, or found (its `inactive` says whether
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
}
