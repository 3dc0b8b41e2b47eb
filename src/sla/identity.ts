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
