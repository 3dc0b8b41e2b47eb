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
}

/** An account (IIQ Link). `unknown` = IIQ did not say whether it is disabled: never taken as disabled. */
export interface Account {
  application: string;
  status: 'enabled' | 'disabled' | 'unknown';
}
