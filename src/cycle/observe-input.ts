import type { Logger } from 'pino';
import type { AccountPolicy } from '../sla/account-policy.js';
import type { Observation } from '../sla/decide.js';
import type { OpenIncident } from '../sla/incident.js';
import type { SlaPolicy } from '../sla/policy.js';
import type { ObserveStats } from '../sla/read-plan.js';
import type { LeaverRule } from '../sla/leaver.js';
import type { NotStartedLeaver } from '../sla/processing-request.js';
import type { IdentitySource } from '../source/identity-source.js';
import type { VerifiedCleanState } from '../state/state-file.js';

/** What one cycle read from the source; the counts come from the stats reducer (addOutcome in sla/read-plan.ts). */
export interface ObserveResult extends ObserveStats {
  /** Identities past SLA or with an open incident; the others need no decision. */
  observations: Observation[];
  /** Every leaver this cycle found still shown active (any listing or lookup), past its SLA or not. */
  notStartedLeavers: NotStartedLeaver[];
  listingComplete: boolean;
  /** The first IIQ read failure (listing, accounts or lookup), in detail: for logs and the summary only. */
  readError: string | undefined;
  /** The same failure classified (`IIQ GET /scim/v2/Users: HTTP 500`): all that state and events may carry. */
  readErrorClassified: string | undefined;
  /** First-seen-inactive instants to keep (identities without a usable termination date). */
  firstSeenInactive: Record<string, string>;
  /** Verifications to keep: made this cycle, not yet due, or not observed on an incomplete listing. */
  verifiedClean: VerifiedCleanState;
}

/** What observing needs. */
export interface ObserveInput {
  source: IdentitySource;
  policy: SlaPolicy;
  openIncidents: Readonly<Record<string, OpenIncident>>;
  firstSeenInactive: Readonly<Record<string, string>>;
  /** Verifications of earlier cycles. */
  verifiedClean: Readonly<VerifiedCleanState>;
  /** `leaver.recheckCleanHours`; 0 = read every identity past SLA every cycle. */
  recheckCleanHours: number;
  /** Identities observed at once (default 16): enough to keep IIQ's request slots busy, few enough that their pending reads die young. */
  observeConcurrency?: number;
  now: Date;
  logger: Logger;
  /** Per-application grace and approved exceptions (none = the tier SLA for every account). */
  accountPolicy: AccountPolicy;
  /** Owners of the accounts the source changed since the watermark; absent when not read this cycle. */
  changedAccountOwners?: ReadonlySet<string>;
  /** Who is a leaver besides those shown inactive (lookback, rehire attribute); absent = DEFAULT_LEAVER_RULE. */
  leaverRule?: LeaverRule;
}
