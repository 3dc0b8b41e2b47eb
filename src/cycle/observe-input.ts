import type { Logger } from 'pino';
import type { AccountPolicy } from '../sla/account-policy.js';
import type { Observation } from '../sla/decide.js';
import type { OpenIncident } from '../sla/incident.js';
import type { SlaPolicy } from '../sla/policy.js';
import type { LeaverRule } from '../sla/leaver.js';
import type { IdentitySource } from '../source/identity-source.js';
import type { VerifiedCleanState } from '../state/verified-clean.js';

/** What one cycle read from IIQ. */
export interface ObserveResult {
  /** Identities past SLA or with an open incident; the others need no decision. */
  observations: Observation[];
  listingComplete: boolean;
  /** The first IIQ read failure (listing, accounts or lookup), in detail: for logs and the summary only. */
  readError: string | undefined;
  /** The same failure classified (`IIQ GET /scim/v2/Users: HTTP 500`): all that state and events may carry (spec 4.4). */
  readErrorClassified: string | undefined;
  inactiveListed: number;
  /** Leavers the source still shows active (termination past, within the lookback, not rehired), listed this cycle. */
  notStartedListed?: number;
  pastSla: number;
  accountsFetched: number;
  accountReadFailures: number;
  /** Open incidents whose identity the complete listing lacked, looked up on their own (spec 4.4). */
  identitiesLookedUp: number;
  /** Accounts of unknown status seen outside excluded applications: counted toward breaches (spec 4.4). */
  unknownStatusAccounts: number;
  /** First-seen-inactive instants to keep (identities without a usable termination date). */
  firstSeenInactive: Record<string, string>;
  /** Verifications to keep (spec 10): made this cycle, not yet due, or not observed on an incomplete listing. */
  verifiedClean: VerifiedCleanState;
  /** Identities past SLA skipped because verified clean and not yet due for a re-check. */
  verifiedCleanSkipped: number;
  /** Verified-clean identities read again: re-check due, or termination instant or tier changed. */
  verifiedCleanRechecked: number;
}

/** What observing needs. */
export interface ObserveInput {
  source: IdentitySource;
  policy: SlaPolicy;
  openIncidents: Readonly<Record<string, OpenIncident>>;
  firstSeenInactive: Readonly<Record<string, string>>;
  /** Verifications of earlier cycles (spec 10). */
  verifiedClean: Readonly<VerifiedCleanState>;
  /** `leaver.recheckCleanHours`; 0 = read every identity past SLA every cycle. */
  recheckCleanHours: number;
  /** Identities observed at once (default 16): enough to keep IIQ's request slots busy, few enough that their pending reads die young. */
  observeConcurrency?: number;
  now: Date;
  logger: Logger;
  /** Per-application grace and approved exceptions (spec 11); absent = the tier SLA for every account. */
  accountPolicy?: AccountPolicy;
  /** Who is a leaver besides those shown inactive (lookback, rehire attribute); absent = DEFAULT_LEAVER_RULE. */
  leaverRule?: LeaverRule;
}
