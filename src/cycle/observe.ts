import { describeError } from '../errors.js';
import { SourceReadError } from '../source/source-read-error.js';
import type { Identity, IdentityLookup } from '../source/identity-source.js';
import type { AccountsObservation } from '../sla/account-policy.js';
import type { OpenIncident } from '../sla/incident.js';
import { dedupKeyFor } from '../sla/incident.js';
import { observeAccountsUnderPolicy, pastEarliestSla } from '../sla/account-policy.js';
import { assessIdentity, severityFor, summarizeAccounts, type SlaAssessment } from '../sla/policy.js';
import { countNotDue, decideRecheck, verificationsStillHold, verifiedNow, type CleanVerification } from '../sla/recheck.js';
import type { ObserveInput, ObserveResult } from './observe-input.js';
import { DEFAULT_LEAVER_RULE, evaluateLeaverOf, type LeaverStage } from '../sla/leaver.js';
import { listNotStarted } from './observe-not-started.js';

/**
 * Lists inactive identities page by page and reads the accounts of those past SLA (or with
 * an open incident) while the next page loads. At most two pages are in hand at once, so
 * memory does not grow with the listing. A failed read is recorded, never taken as "no accounts".
 * After a complete listing, each open incident whose identity was not listed is looked up on
 * its own: absence from an offset-paged listing is not proof (spec 4.4).
 */
export async function observeIdentities(input: ObserveInput): Promise<ObserveResult> {
  const { source, policy, now, logger } = input;
  const nowMs = now.getTime();
  const result: ObserveResult = {
    observations: [],
    listingComplete: false,
    readError: undefined,
    readErrorClassified: undefined,
    inactiveListed: 0,
    notStartedListed: 0,
    pastSla: 0,
    accountsFetched: 0,
    accountReadFailures: 0,
    identitiesLookedUp: 0,
    unknownStatusAccounts: 0,
    firstSeenInactive: {},
    // No prototype: an identity id such as "__proto__" is a key like any other.
    verifiedClean: {
      excludedApplications: [...policy.excludedApplications].sort(),
      identities: Object.create(null) as Record<string, CleanVerification>,
    },
    verifiedCleanSkipped: 0,
    verifiedCleanRechecked: 0,
  };
  const warnedTiers = new Set<string>();
  const listed = new Set<string>();
  const recordReadError = (error: SourceReadError): void => {
    result.readError ??= error.message;
    result.readErrorClassified ??= error.classified;
  };
  const verifications = usableVerifications(input);
  const hasOpenIncident = (identityId: string): boolean => dedupKeyFor(identityId) in input.openIncidents;
  source.expectAccountReads?.({ verifiedCleanNotDue: countNotDue(verifications, nowMs, input.recheckCleanHours, hasOpenIncident) });

  const leaverRule = input.leaverRule ?? DEFAULT_LEAVER_RULE;
  const observe = async (identity: Identity, via: 'listing' | 'not-started' | 'lookup'): Promise<void> => {
    if (via !== 'lookup') {
      // Both listings may show one identity that changed between them: it is observed once.
      if (listed.has(identity.id)) return;
      listed.add(identity.id);
    }
    const firstSeen = input.firstSeenInactive[identity.id];
    const assessment = assessIdentity(identity, policy, firstSeen ? Date.parse(firstSeen) : nowMs, nowMs);
    if (assessment.unknownTierValue !== undefined && !warnedTiers.has(assessment.unknownTierValue)) {
      warnedTiers.add(assessment.unknownTierValue);
      logger.warn(
        { tier: assessment.unknownTierValue, defaultTier: policy.defaultTier },
        'tier has no SLA in slaHours: using the default tier',
      );
    }
    const base = {
      identity: { id: identity.id, name: identity.name, displayName: identity.displayName },
      assessment,
      ...evidenceOf(identity),
    };
    let leaverStage: LeaverStage = 'started';
    if (!identity.inactive) {
      // The lookback only limits which active identities are newly listed: an open incident is followed however old.
      const verdict = evaluateLeaverOf(identity, policy, leaverRule, nowMs, { withLookback: !hasOpenIncident(identity.id) });
      if (!verdict.leaver) {
        if (hasOpenIncident(identity.id)) result.observations.push({ ...base, inactive: false, accounts: { kind: 'not-fetched' } });
        return;
      }
      leaverStage = verdict.stage;
      if (via === 'not-started') result.notStartedListed = (result.notStartedListed ?? 0) + 1;
    } else if (via === 'listing') result.inactiveListed += 1;
    const stageFields = leaverStage === 'not-started' ? { inactive: false, leaverStage } : { inactive: true };
    if (identity.inactive && assessment.terminationSource === 'first-seen') {
      result.firstSeenInactive[identity.id] = firstSeen ?? now.toISOString();
    }
    if (assessment.severity) result.pastSla += 1;
    const hasIncident = hasOpenIncident(identity.id);
    if (!pastEarliestSla(assessment, input.accountPolicy) && !hasIncident) return;
    // A listing that shows no enabled account (ISC's search documents) spares the read, but only
    // where nothing could be decided on it: it lags, so an open incident's accounts are read afresh.
    const listedOpen = identity.listedNotDisabledApplications;
    if (!hasIncident && listedOpen?.every((application) => policy.excludedApplications.has(application))) return;
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
    if (recheck.reason === 're-check due' || recheck.reason === 'termination instant changed' || recheck.reason === 'tier changed')
      result.verifiedCleanRechecked += 1;
    const accounts = await readAccounts(identity, assessment);
    if (accounts.kind === 'failed' && verification) result.verifiedClean.identities[identity.id] = verification;
    // Clean means nothing enabled or unknown at all: an account within its grace or under an
    // exception (spec 11) will page when that ends, so such an identity is read every cycle.
    const clean =
      accounts.kind === 'observed' &&
      accounts.activeAccountCount === 0 &&
      accounts.unknownAccountCount === 0 &&
      !accounts.policy?.withinGraceApplications.length &&
      !accounts.policy?.exceptedApplications.length;
    if (clean && assessment.severity && input.recheckCleanHours > 0 && Number.isFinite(assessment.terminatedAtMs)) {
      result.verifiedClean.identities[identity.id] = verifiedNow(nowMs, assessment.terminatedAtMs, assessment.tier);
    }
    // Nothing enabled, nothing unknown, no incident: nothing to decide, so nothing kept in memory.
    if (clean && !hasIncident) return;
    result.observations.push({ ...base, ...stageFields, accounts });
  };

  const readAccounts = async (identity: Identity, assessment: SlaAssessment): Promise<AccountsObservation> => {
    try {
      const read = await source.fetchAccounts(identity);
      result.accountsFetched += 1;
      if (read.kind === 'identity-gone') return { kind: 'identity-gone' };
      const observation: AccountsObservation = input.accountPolicy
        ? observeAccountsUnderPolicy(read.accounts, {
            identity,
            assessment,
            policy: input.accountPolicy,
            excludedApplications: policy.excludedApplications,
            nowMs,
          })
        : { kind: 'observed', ...summarizeAccounts(read.accounts, policy.excludedApplications) };
      if (observation.kind === 'observed') result.unknownStatusAccounts += observation.unknownAccountCount;
      return observation;
    } catch (error) {
      if (!(error instanceof SourceReadError)) throw error;
      result.accountReadFailures += 1;
      recordReadError(error);
      logger.error({ identity: identity.name, error: error.message }, 'accounts could not be read; the identity is left as it was');
      return { kind: 'failed', error: error.classified };
    }
  };

  /** Looks up each open incident's identity the complete listing did not contain, and observes what it finds. */
  const confirmUnlisted = async (): Promise<void> => {
    const unlisted = Object.values(input.openIncidents).filter((incident) => !listed.has(incident.identityId));
    await Promise.all(
      unlisted.map(async (incident) => {
        result.identitiesLookedUp += 1;
        const lastKnown = {
          identity: { id: incident.identityId, name: incident.identityName, displayName: incident.displayName },
          assessment: lastKnownAssessment(incident, nowMs),
        };
        let lookup: IdentityLookup;
        try {
          lookup = await source.lookupIdentity({ id: incident.identityId, name: incident.identityName });
        } catch (error) {
          if (!(error instanceof SourceReadError)) throw error;
          recordReadError(error);
          logger.error(
            { identity: incident.identityName, error: error.message },
            "an open incident's identity was not listed and could not be looked up; the incident is left as it was",
          );
          result.observations.push({ ...lastKnown, inactive: true, accounts: { kind: 'failed', error: error.classified } });
          return;
        }
        logger.info(
          { identity: incident.identityName, found: lookup.kind === 'found' ? (lookup.identity.inactive ? 'inactive' : 'active') : 'gone' },
          "open incident's identity not listed: looked up on its own",
        );
        if (lookup.kind === 'gone') result.observations.push({ ...lastKnown, inactive: true, accounts: { kind: 'identity-gone' } });
        else await observe(lookup.identity, 'lookup');
      }),
    );
  };

  // A few workers take a page's identities one after another instead of starting them all at
  // once: a few hundred pending reads (and a promise each) would outlive young-generation GCs
  // and fill old space with garbage (peak RSS, docs/steady-state.md).
  const workers = input.observeConcurrency ?? 16;
  const observePage = async (page: readonly Identity[], via: 'listing' | 'not-started' = 'listing'): Promise<void> => {
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < page.length) await observe(page[next++] as Identity, via);
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
    result.listingComplete = await listNotStarted(input, leaverRule, observePage, recordReadError);
  } catch (error) {
    await previousPage.catch(() => undefined);
    if (!(error instanceof SourceReadError)) throw error;
    result.readError = error.message;
    result.readErrorClassified = error.classified;
    logger.error({ error: describeError(error) }, 'the inactive identity listing failed: open incidents not observed are left untouched');
  }

  if (result.listingComplete) {
    await confirmUnlisted();
  } else {
    // Identities not reached keep their first-seen instant for the next cycle.
    for (const [id, at] of Object.entries(input.firstSeenInactive)) {
      if (!listed.has(id)) result.firstSeenInactive[id] ??= at;
    }
    for (const [id, verification] of Object.entries(verifications)) {
      if (!listed.has(id)) result.verifiedClean.identities[id] ??= verification;
    }
  }
  if (result.unknownStatusAccounts > 0) {
    logger.warn(
      { unknownStatusAccounts: result.unknownStatusAccounts },
      `${result.unknownStatusAccounts} account(s) of unknown status (IIQ did not say whether disabled): counted toward breaches like enabled ones`,
    );
  }
  return result;
}

/** What the source said about processing the identity, for the event; nothing when it said nothing. */
function evidenceOf(identity: Identity): { evidence?: { lastRefresh?: string | null; processingError?: { stage: string | undefined } } } {
  if (identity.lastRefresh === undefined && identity.processingError === undefined) return {};
  return {
    evidence: {
      ...(identity.lastRefresh === undefined ? {} : { lastRefresh: identity.lastRefresh }),
      ...(identity.processingError ? { processingError: identity.processingError } : {}),
    },
  };
}

/** Where an identity stood when its incident was last sent: the decision for a gone identity needs no more. */
function lastKnownAssessment(incident: OpenIncident, nowMs: number): SlaAssessment {
  const terminatedAtMs = Date.parse(incident.terminationDate);
  const elapsedMs = nowMs - terminatedAtMs;
  return {
    tier: incident.tier,
    unknownTierValue: undefined,
    slaHours: incident.slaHours,
    terminatedAtMs,
    terminationSource: incident.terminationSource,
    slaDeadlineMs: Date.parse(incident.slaDeadline),
    elapsedMs,
    severity: severityFor(elapsedMs, incident.slaHours),
  };
}

/** The verifications that still hold: none once an application left `excludedApplications`. */
function usableVerifications(input: ObserveInput): Readonly<Record<string, CleanVerification>> {
  const { excludedApplications, identities } = input.verifiedClean;
  if (verificationsStillHold(excludedApplications, input.policy.excludedApplications)) return identities;
  const dropped = Object.keys(identities).length;
  if (dropped > 0) {
    input.logger.warn(
      { dropped, before: excludedApplications },
      'excludedApplications lost an application since identities were verified clean: every identity past SLA is read again this cycle',
    );
  }
  return {};
}
