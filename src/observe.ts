import type { Logger } from 'pino';
import { IiqReadError, describeError } from './errors.js';
import type { Identity, IdentitySource } from './iiq/source.js';
import type { AccountsObservation, Observation } from './sla/decide.js';
import type { OpenIncident } from './sla/incident.js';
import { dedupKeyFor } from './sla/incident.js';
import { assessIdentity, summarizeAccounts, type SlaPolicy } from './sla/policy.js';

/** What one cycle read from IIQ. */
export interface ObserveResult {
  /** Identities past SLA or with an open incident; the others need no decision. */
  observations: Observation[];
  listingComplete: boolean;
  /** The first IIQ read failure (listing or accounts), for the summary and exit code 3. */
  readError: string | undefined;
  inactiveListed: number;
  pastSla: number;
  accountsFetched: number;
  accountReadFailures: number;
  /** First-seen-inactive instants to keep (identities without a usable termination date). */
  firstSeenInactive: Record<string, string>;
}

/** What observing needs. */
export interface ObserveInput {
  source: IdentitySource;
  policy: SlaPolicy;
  openIncidents: Readonly<Record<string, OpenIncident>>;
  firstSeenInactive: Readonly<Record<string, string>>;
  now: Date;
  logger: Logger;
}

/**
 * Lists inactive identities page by page and reads the accounts of those past SLA (or with
 * an open incident) while the next page loads. At most two pages are in hand at once, so
 * memory does not grow with the listing. A failed read is recorded, never taken as "no accounts".
 */
export async function observeIdentities(input: ObserveInput): Promise<ObserveResult> {
  const { source, policy, now, logger } = input;
  const nowMs = now.getTime();
  const result: ObserveResult = {
    observations: [],
    listingComplete: false,
    readError: undefined,
    inactiveListed: 0,
    pastSla: 0,
    accountsFetched: 0,
    accountReadFailures: 0,
    firstSeenInactive: {},
  };
  const warnedTiers = new Set<string>();
  const listed = new Set<string>();

  const observe = async (identity: Identity): Promise<void> => {
    listed.add(identity.id);
    const firstSeen = input.firstSeenInactive[identity.id];
    const assessment = assessIdentity(identity, policy, firstSeen ? Date.parse(firstSeen) : nowMs, nowMs);
    if (assessment.unknownTierValue !== undefined && !warnedTiers.has(assessment.unknownTierValue)) {
      warnedTiers.add(assessment.unknownTierValue);
      logger.warn({ tier: assessment.unknownTierValue, defaultTier: policy.defaultTier }, 'tier has no SLA in slaHours: using the default tier');
    }
    const base = { identity: { id: identity.id, name: identity.name, displayName: identity.displayName }, assessment };
    if (!identity.inactive) {
      result.observations.push({ ...base, inactive: false, accounts: { kind: 'not-fetched' } });
      return;
    }
    result.inactiveListed += 1;
    if (assessment.terminationSource === 'first-seen') {
      result.firstSeenInactive[identity.id] = firstSeen ?? now.toISOString();
    }
    if (assessment.severity) result.pastSla += 1;
    const hasIncident = dedupKeyFor(identity.id) in input.openIncidents;
    if (!assessment.severity && !hasIncident) return;
    // A listing that shows no enabled account (ISC's search documents) spares the read, but only
    // where nothing could be decided on it: it lags, so an open incident's accounts are read afresh.
    const listedOpen = identity.listedNotDisabledApplications;
    if (!hasIncident && listedOpen?.every((application) => policy.excludedApplications.has(application))) return;
    result.observations.push({ ...base, inactive: true, accounts: await readAccounts(identity) });
  };

  const readAccounts = async (identity: Identity): Promise<AccountsObservation> => {
    try {
      const read = await source.fetchAccounts(identity);
      result.accountsFetched += 1;
      if (read.kind === 'identity-gone') return { kind: 'identity-gone' };
      return { kind: 'observed', ...summarizeAccounts(read.accounts, policy.excludedApplications) };
    } catch (error) {
      if (!(error instanceof IiqReadError)) throw error;
      result.accountReadFailures += 1;
      result.readError ??= error.message;
      logger.error({ identity: identity.name, error: error.message }, 'accounts could not be read; the identity is left as it was');
      return { kind: 'failed', error: error.message };
    }
  };

  let previousPage: Promise<unknown> = Promise.resolve();
  try {
    for await (const page of input.source.listInactiveIdentities()) {
      const current = Promise.all(page.map(observe));
      // Backpressure: read the next page only once the one before this has been observed.
      await previousPage;
      previousPage = current;
    }
    await previousPage;
    result.listingComplete = true;
  } catch (error) {
    await previousPage.catch(() => undefined);
    if (!(error instanceof IiqReadError)) throw error;
    result.readError = error.message;
    logger.error({ error: describeError(error) }, 'the inactive identity listing failed: open incidents not observed are left untouched');
  }

  if (!result.listingComplete) {
    // Identities not reached keep their first-seen instant for the next cycle.
    for (const [id, at] of Object.entries(input.firstSeenInactive)) {
      if (!listed.has(id)) result.firstSeenInactive[id] ??= at;
    }
  }
  return result;
}
