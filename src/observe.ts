import type { Logger } from 'pino';
import { IiqReadError, describeError } from './errors.js';
import type { Identity, IdentitySource } from './iiq/source.js';
import type { AccountsObservation, Observation } from './sla/decide.js';
import type { OpenIncident } from './sla/incident.js';
import { dedupKeyFor } from './sla/incident.js';
import { assessIdentity, summarizeAccounts, type SlaPolicy } from './sla/policy.js';
import { countNotDue, decideRecheck, verificationsStillHold, verifiedNow, type CleanVerification } from './sla/recheck.js';
import type { VerifiedCleanState } from './state/verified-clean.js';

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
    // No prototype: an identity id such as "__proto__" is a key like any other.
    verifiedClean: { excludedApplications: [...policy.excludedApplications].sort(), identities: Object.create(null) as Record<string, CleanVerification> },
    verifiedCleanSkipped: 0,
    verifiedCleanRechecked: 0,
  };
  const warnedTiers = new Set<string>();
  const listed = new Set<string>();
  const verifications = usableVerifications(input);
  const hasOpenIncident = (identityId: string): boolean => dedupKeyFor(identityId) in input.openIncidents;
  source.expectAccountReads?.({ verifiedCleanNotDue: countNotDue(verifications, nowMs, input.recheckCleanHours, hasOpenIncident) });

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
    const hasIncident = hasOpenIncident(identity.id);
    if (!assessment.severity && !hasIncident) return;
    const verification = assessment.severity && Object.hasOwn(verifications, identity.id) ? verifications[identity.id] : undefined;
    const recheck = decideRecheck({
      identityId: identity.id,
      verification,
      terminatedAtMs: assessment.terminatedAtMs,
      tier: assessment.tier,
      hasOpenIncident: hasIncident,
      nowMs,
      recheckCleanHours: input.recheckCleanHours,
    });
    if (!recheck.read) {
      result.verifiedCleanSkipped += 1;
      result.verifiedClean.identities[identity.id] = verification as CleanVerification;
      return;
    }
    if (recheck.reason === 're-check due' || recheck.reason === 'termination instant changed' || recheck.reason === 'tier changed') result.verifiedCleanRechecked += 1;
    const accounts = await readAccounts(identity);
    if (accounts.kind === 'failed' && verification) result.verifiedClean.identities[identity.id] = verification;
    const clean = accounts.kind === 'observed' && accounts.activeAccountCount === 0 && accounts.unknownAccountCount === 0;
    if (clean && assessment.severity && input.recheckCleanHours > 0 && Number.isFinite(assessment.terminatedAtMs)) {
      result.verifiedClean.identities[identity.id] = verifiedNow(nowMs, assessment.terminatedAtMs, assessment.tier);
    }
    // Nothing enabled, nothing unknown, no incident: nothing to decide, so nothing kept in memory.
    if (clean && !hasIncident) return;
    result.observations.push({ ...base, inactive: true, accounts });
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

  // A few workers take a page's identities one after another instead of starting them all at
  // once: a few hundred pending reads (and a promise each) would outlive young-generation GCs
  // and fill old space with garbage (peak RSS, docs/steady-state.md).
  const workers = input.observeConcurrency ?? 16;
  const observePage = async (page: readonly Identity[]): Promise<void> => {
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < page.length) await observe(page[next++] as Identity);
    };
    await Promise.all(Array.from({ length: Math.min(workers, page.length) }, work));
  };
  let previousPage: Promise<unknown> = Promise.resolve();
  try {
    for await (const page of input.source.listInactiveIdentities()) {
      const current = observePage(page);
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
    for (const [id, verification] of Object.entries(verifications)) {
      if (!listed.has(id)) result.verifiedClean.identities[id] ??= verification;
    }
  }
  return result;
}

/** The verifications that still hold: none once an application left `excludedApplications`. */
function usableVerifications(input: ObserveInput): Readonly<Record<string, CleanVerification>> {
  const { excludedApplications, identities } = input.verifiedClean;
  if (verificationsStillHold(excludedApplications, input.policy.excludedApplications)) return identities;
  const dropped = Object.keys(identities).length;
  if (dropped > 0) {
    input.logger.warn({ dropped, before: excludedApplications }, 'excludedApplications lost an application since identities were verified clean: every identity past SLA is read again this cycle');
  }
  return {};
}
