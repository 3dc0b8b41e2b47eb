import type { Config } from '../config/config.js';
import { describeError } from '../errors.js';
import { SourceReadError } from '../source/source-read-error.js';
import type { Identity } from '../source/identity-source.js';
import { observeAccountsUnderPolicy, type AccountsObservation } from '../sla/account-policy.js';
import type { Observation } from '../sla/decide.js';
import { identityDedupKey, type OpenIncident } from '../sla/incident.js';
import { severityFor, type SlaAssessment, type SlaPolicy } from '../sla/policy.js';
import {
  addOutcome,
  assessLeaver,
  countNotDue,
  emptyObserveStats,
  needsDecision,
  planRead,
  verificationAfterRead,
  verificationsStillHold,
  type CleanVerification,
} from '../sla/read-plan.js';
import { DEFAULT_LEAVER_RULE, evaluateLeaverOf, type LeaverRule } from '../sla/leaver.js';
import type { ObserveInput, ObserveResult } from './observe-input.js';

/**
 * Lists inactive identities, then the leavers the source still shows active (not started), page
 * by page; for each, the planner (sla/read-plan) says skip, read
 * or decide, and the accounts of those to read are read while the next page loads. This loop
 * holds at most two pages at once (a source may read a few more ahead: SCIM in bulk mode), so
 * memory does not grow with the listing. A failed read is recorded,
 * never taken as "no accounts". After complete listings, each open incident whose identity was
 * not listed is looked up on its own: absence from an offset-paged listing is not proof.
 */
export async function observeIdentities(input: ObserveInput): Promise<ObserveResult> {
  const { source, policy, now, logger } = input;
  const nowMs = now.getTime();
  // The verifications that still hold: none once an application left `excludedApplications`.
  let verifications = input.verifiedClean.identities;
  if (!verificationsStillHold(input.verifiedClean.excludedApplications, policy.excludedApplications)) {
    const dropped = Object.keys(verifications).length;
    if (dropped > 0) {
      logger.warn(
        { dropped, before: input.verifiedClean.excludedApplications },
        'excludedApplications lost an application since identities were verified clean: every identity past SLA is read again this cycle',
      );
    }
    verifications = {};
  }
  // No prototype: an identity id such as "__proto__" or "constructor" is a key like any other.
  const firstSeenKept = Object.create(null) as Record<string, string>;
  const verifiedKept = Object.create(null) as Record<string, CleanVerification>;
  const observations: Observation[] = [];
  // Leavers still shown active (few: a stalled refresh, a layoff), for processing requests.
  const notStartedLeavers: ObserveResult['notStartedLeavers'] = [];
  const listed = new Set<string>();
  const warnedTiers = new Set<string>();
  // This loop's own accumulator, counted in place (addOutcome): nothing else holds it.
  const stats = emptyObserveStats();
  let readError: SourceReadError | undefined;
  const openIncidentOf = (identityId: string): OpenIncident | undefined => ownValue(input.openIncidents, identityDedupKey(identityId));
  const ownsChangedAccount = (identityId: string): boolean => input.changedAccountOwners?.has(identityId) === true;
  // An owner of a changed account is read like one with an incident: not among the skipped.
  source.expectAccountReads?.({
    verifiedCleanNotDue: countNotDue(
      verifications,
      nowMs,
      input.recheckCleanHours,
      (id) => openIncidentOf(id) !== undefined || ownsChangedAccount(id),
    ),
  });

  const leaverRule = input.leaverRule ?? DEFAULT_LEAVER_RULE;
  const observe = async (identity: Identity, via: 'listing' | 'not-started' | 'lookup'): Promise<void> => {
    if (via !== 'lookup') {
      // Both listings may show one identity that changed between them: it is observed once.
      if (listed.has(identity.id)) return;
      listed.add(identity.id);
    }
    const openIncident = openIncidentOf(identity.id);
    // The lookback only limits which active identities are newly listed: an open incident is followed however old.
    const leaver = evaluateLeaverOf(identity, policy, leaverRule, nowMs, { withLookback: openIncident === undefined });
    const notStarted = leaver.leaver && leaver.stage === 'not-started';
    const firstSeen = ownValue(input.firstSeenInactive, identity.id);
    const assessment = assessLeaver(identity, policy, { firstSeenMs: firstSeen ? Date.parse(firstSeen) : nowMs, openIncident, nowMs });
    // Each unknown tier value is named once per cycle.
    if (assessment.unknownTierValue !== undefined && !warnedTiers.has(assessment.unknownTierValue)) {
      warnedTiers.add(assessment.unknownTierValue);
      logger.warn(
        { tier: assessment.unknownTierValue, defaultTier: policy.defaultTier },
        'tier has no SLA in slaHours: using the default tier',
      );
    }
    if (identity.inactive && assessment.terminationSource === 'first-seen') {
      firstSeenKept[identity.id] = firstSeen ?? new Date(assessment.terminatedAtMs).toISOString();
    }
    const plan = planRead({
      identityId: identity.id,
      leaver,
      assessment,
      openIncident,
      verification: ownValue(verifications, identity.id),
      listedNotDisabledApplications: identity.listedNotDisabledApplications,
      excludedApplications: policy.excludedApplications,
      accountPolicy: input.accountPolicy,
      recheckCleanHours: input.recheckCleanHours,
      nowMs,
      ownsChangedAccount: ownsChangedAccount(identity.id),
    });
    let accounts: AccountsObservation | undefined;
    if (plan.kind === 'read') {
      try {
        const read = await source.fetchAccounts(identity);
        accounts =
          read.kind === 'identity-gone'
            ? { kind: 'identity-gone' }
            : observeAccountsUnderPolicy(read.accounts, {
                identity,
                assessment,
                policy: input.accountPolicy,
                excludedApplications: policy.excludedApplications,
                nowMs,
              });
      } catch (error) {
        if (!(error instanceof SourceReadError)) throw error;
        readError ??= error;
        logger.error({ identity: identity.name, error: error.message }, 'accounts could not be read; the identity is left as it was');
        accounts = { kind: 'failed', error: error.classified };
      }
    }
    addOutcome(stats, {
      kind: 'planned',
      via,
      inactive: identity.inactive,
      notStarted,
      pastSla: assessment.severity !== undefined,
      plan,
      accounts,
    });
    // The verification to keep: a skip carries its own, a read may make one (or keep or drop the one it had).
    const verification =
      plan.kind === 'skip'
        ? plan.keepVerification
        : plan.kind === 'read' && accounts
          ? verificationAfterRead({
              accounts,
              assessment,
              previous: plan.verification,
              recheckCleanHours: input.recheckCleanHours,
              nowMs,
              ownsChangedAccount: plan.reason === 'account changed',
            })
          : undefined;
    if (verification) verifiedKept[identity.id] = verification;
    // What the source said about processing the identity goes into the event; nothing when it said nothing.
    const { lastRefresh, processingError } = identity;
    const base = {
      identity: { id: identity.id, name: identity.name, displayName: identity.displayName },
      assessment,
      ...(lastRefresh === undefined && processingError === undefined
        ? {}
        : {
            evidence: {
              ...(lastRefresh === undefined ? {} : { lastRefresh }),
              ...(processingError ? { processingError } : {}),
            },
          }),
    };
    if (notStarted) notStartedLeavers.push({ id: identity.id, name: identity.name, terminatedAtMs: assessment.terminatedAtMs });
    const stage = notStarted ? ({ inactive: false, leaverStage: 'not-started' } as const) : ({ inactive: true } as const);
    if (plan.kind === 'decided') observations.push({ ...base, inactive: false, accounts: { kind: 'not-fetched' } });
    // A clean read of an identity without an incident has nothing to decide: nothing kept in memory.
    else if (accounts && needsDecision(accounts, openIncident !== undefined)) observations.push({ ...base, ...stage, accounts });
  };

  const workers = input.observeConcurrency ?? 16;
  let listingComplete = false;
  try {
    await streamPages(source.listInactiveIdentities(), (identity) => observe(identity, 'listing'), workers);
    listingComplete = true;
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    readError = error;
    logger.error({ error: describeError(error) }, 'the inactive identity listing failed: open incidents not observed are left untouched');
  }
  // The leavers the source still shows active: one more listing, after a complete inactive one.
  // Off with a lookback of 0, or where the source cannot list them; the source returns those with the
  // termination attribute set, and the rule's dates are compared here, not by the source.
  if (listingComplete && leaverRule.notStartedLookbackDays !== 0 && source.listNotStartedIdentities) {
    const notStarted = source.listNotStartedIdentities(policy.terminationDateAttribute);
    try {
      await streamPages(notStarted, (identity) => observe(identity, 'not-started'), workers);
    } catch (error) {
      if (!(error instanceof SourceReadError)) throw error;
      listingComplete = false;
      readError = notStartedListingError(error, policy.terminationDateAttribute);
      logger.error({ error: readError.message }, 'the not-started leaver listing failed: open incidents not observed are left untouched');
    }
  }

  if (listingComplete) {
    // Each open incident's identity the complete listings did not contain is looked up on its own.
    const unlisted = Object.values(input.openIncidents).filter((incident) => !listed.has(incident.identityId));
    await Promise.all(
      unlisted.map(async (incident) => {
        addOutcome(stats, { kind: 'looked-up' });
        const lastKnown = {
          identity: { id: incident.identityId, name: incident.identityName, displayName: incident.displayName },
          assessment: lastKnownAssessment(incident, nowMs),
        };
        const lookup = await source.lookupIdentity({ id: incident.identityId, name: incident.identityName }).catch((error: unknown) => {
          if (!(error instanceof SourceReadError)) throw error;
          readError ??= error;
          logger.error(
            { identity: incident.identityName, error: error.message },
            "an open incident's identity was not listed and could not be looked up; the incident is left as it was",
          );
          observations.push({ ...lastKnown, inactive: true, accounts: { kind: 'failed', error: error.classified } });
          return undefined;
        });
        if (lookup === undefined) return;
        logger.info(
          { identity: incident.identityName, found: lookup.kind === 'found' ? (lookup.identity.inactive ? 'inactive' : 'active') : 'gone' },
          "open incident's identity not listed: looked up on its own",
        );
        if (lookup.kind === 'gone') observations.push({ ...lastKnown, inactive: true, accounts: { kind: 'identity-gone' } });
        else await observe(lookup.identity, 'lookup');
      }),
    );
  } else {
    // Identities not reached keep their first-seen instant and their verification for the next cycle.
    for (const [id, at] of Object.entries(input.firstSeenInactive)) if (!listed.has(id)) firstSeenKept[id] ??= at;
    for (const [id, verification] of Object.entries(verifications)) {
      // A changed account of an identity not reached must be read next cycle: its verification goes.
      if (!listed.has(id) && !ownsChangedAccount(id)) verifiedKept[id] ??= verification;
    }
  }
  if (stats.unknownStatusAccounts > 0) {
    logger.warn(
      { unknownStatusAccounts: stats.unknownStatusAccounts },
      `${stats.unknownStatusAccounts} account(s) of unknown status (the source did not say whether disabled): counted toward breaches like enabled ones`,
    );
  }
  return {
    ...stats,
    observations,
    notStartedLeavers,
    listingComplete,
    readError: readError?.message,
    readErrorClassified: readError?.classified,
    firstSeenInactive: firstSeenKept,
    verifiedClean: { excludedApplications: [...policy.excludedApplications].sort(), identities: verifiedKept },
  };
}

/**
 * Observes a listing page by page. A few workers take a page's identities one after another
 * instead of starting them all at once: a few hundred pending reads (and a promise each) would
 * outlive young-generation GCs and fill old space with garbage (peak RSS, docs/steady-state.md).
 * Backpressure: the next page is read only once the one before this has been observed. Throws
 * what the listing throws, once the pages in hand are observed.
 */
async function streamPages(
  pages: AsyncIterable<readonly Identity[]>,
  observe: (identity: Identity) => Promise<void>,
  workers: number,
): Promise<void> {
  let previousPage: Promise<unknown> = Promise.resolve();
  try {
    for await (const page of pages) {
      // The page's identities, taken one after another by each worker.
      let next = 0;
      const current = Promise.all(
        Array.from({ length: Math.min(workers, page.length) }, async () => {
          while (next < page.length) await observe(page[next++] as Identity);
        }),
      );
      await previousPage;
      previousPage = current;
    }
  } catch (error) {
    await previousPage.catch(() => undefined);
    throw error;
  }
  await previousPage;
}

/** A value of a map keyed by a value from the source: only the map's own entries, never its prototype's. */
function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
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

/** The SLA policy of a config. */
export function policyFrom(config: Config): SlaPolicy {
  return {
    slaHours: config.slaHours,
    defaultTier: config.leaver.defaultTier,
    tierAttribute: config.leaver.tierAttribute,
    terminationDateAttribute: config.leaver.terminationDateAttribute,
    timeZone: config.leaver.timezone,
    excludedApplications: new Set(config.excludedApplications),
    renotifyMinutes: config.pagerduty.renotifyMinutes,
  };
}

/** Who is a leaver besides those the source shows inactive. */
export function leaverRuleFrom(config: Config): LeaverRule {
  return { notStartedLookbackDays: config.leaver.notStartedLookbackDays, rehireDateAttribute: config.leaver.rehireDateAttribute };
}

/** What an operator does about a refused not-started listing. */
export function notStartedListingFix(terminationDateAttribute: string): string {
  return (
    `make "${terminationDateAttribute}" searchable (IdentityIQ: Global Settings > Identity Mappings > ${terminationDateAttribute} > Searchable, ` +
    `then refresh identities; Identity Security Cloud: the identity attribute must be in the search index), ` +
    `or set leaver.notStartedLookbackDays to 0 to accept the blind spot`
  );
}

/** The not-started listing's failure, with the fix: for logs, the summary and `check`. */
export function notStartedListingError(error: SourceReadError, terminationDateAttribute: string): SourceReadError {
  return new SourceReadError(`the not-started leaver listing failed: ${error.message}; ${notStartedListingFix(terminationDateAttribute)}`, {
    classified: error.classified,
    detail: error.detail,
  });
}
