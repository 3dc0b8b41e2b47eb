import type { Identity } from './identity.js';
import { parseTerminationInstant } from './termination.js';

/**
 * Where a leaver stands in the source: `started` once the source shows the identity inactive
 * (IIQ refresh or ISC processing saw the termination), `not-started` while it still shows it active.
 */
export type LeaverStage = 'not-started' | 'started';

const DAY_MS = 86_400_000;

/** The config that decides who is a leaver besides those the source shows inactive. */
export interface LeaverRule {
  /** `leaver.notStartedLookbackDays`: how far back an active identity's termination may lie to be newly listed; 0 = not listed at all. */
  notStartedLookbackDays: number;
  /** `leaver.rehireDateAttribute`: an instant later than the termination and not later than now says "not a leaver". */
  rehireDateAttribute: string | undefined;
}

/** The rule when the config says nothing: a 30-day lookback, no rehire attribute. */
export const DEFAULT_LEAVER_RULE: LeaverRule = { notStartedLookbackDays: 30, rehireDateAttribute: undefined };

/** Why an identity is, or is not, a leaver: each verdict names its reason (for logs and tests). */
export type LeaverVerdict =
  | { leaver: true; stage: LeaverStage; reason: 'shown inactive' | 'termination past, not rehired' }
  | {
      leaver: false;
      reason: 'no termination instant' | 'termination in the future' | 'rehired after termination' | 'termination before the lookback';
    };

/** What the rule looks at: instants already parsed, `nowMs` passed in. */
export interface LeaverFacts {
  /** The source shows the identity inactive. */
  inactive: boolean;
  terminatedAtMs: number | undefined;
  rehiredAtMs: number | undefined;
  nowMs: number;
  /**
   * Days back a termination may lie; undefined = no limit. The lookback only limits which active
   * identities are newly listed: an open incident is followed however old its termination.
   */
  lookbackDays: number | undefined;
}

/**
 * Who is a leaver: an identity the source shows inactive, or one whose termination instant is
 * past without a rehire instant later than it and not later than now. Dates are compared here,
 * never by the source (IIQ keeps them as strings in site formats). Pure.
 */
export function evaluateLeaver(facts: LeaverFacts): LeaverVerdict {
  if (facts.inactive) return { leaver: true, stage: 'started', reason: 'shown inactive' };
  const { terminatedAtMs, rehiredAtMs, nowMs } = facts;
  if (terminatedAtMs === undefined) return { leaver: false, reason: 'no termination instant' };
  if (terminatedAtMs > nowMs) return { leaver: false, reason: 'termination in the future' };
  if (rehiredAtMs !== undefined && rehiredAtMs > terminatedAtMs && rehiredAtMs <= nowMs)
    return { leaver: false, reason: 'rehired after termination' };
  if (facts.lookbackDays !== undefined && terminatedAtMs < nowMs - facts.lookbackDays * DAY_MS)
    return { leaver: false, reason: 'termination before the lookback' };
  return { leaver: true, stage: 'not-started', reason: 'termination past, not rehired' };
}

/** evaluateLeaver over an identity's attributes, parsed like the termination date. */
export function evaluateLeaverOf(
  identity: Pick<Identity, 'inactive' | 'attributes'>,
  attributes: { terminationDateAttribute: string; timeZone: string },
  rule: LeaverRule,
  nowMs: number,
  options: { withLookback: boolean },
): LeaverVerdict {
  const read = (name: string | undefined): number | undefined =>
    name === undefined || !Object.hasOwn(identity.attributes, name)
      ? undefined
      : parseTerminationInstant(identity.attributes[name], attributes.timeZone);
  return evaluateLeaver({
    inactive: identity.inactive,
    terminatedAtMs: read(attributes.terminationDateAttribute),
    rehiredAtMs: read(rule.rehireDateAttribute),
    nowMs,
    lookbackDays: options.withLookback ? rule.notStartedLookbackDays : undefined,
  });
}

/**
 * Whether IIQ refreshed the identity after its termination: false without a refresh instant.
 * A refresh after termination that still left the identity active points at the refresh
 * itself (a rule, the Identity Processing Threshold), not at a task that never ran.
 */
export function refreshedSinceTermination(lastRefresh: string | null | undefined, terminationDate: string): boolean {
  if (typeof lastRefresh !== 'string') return false;
  const refreshedMs = Date.parse(lastRefresh);
  const terminatedMs = Date.parse(terminationDate);
  return Number.isFinite(refreshedMs) && Number.isFinite(terminatedMs) && refreshedMs > terminatedMs;
}
