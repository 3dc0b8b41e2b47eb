import type { Account, Identity } from './identity.js';
import type { Severity } from './incident.js';
import { parseTerminationInstant } from './leaver.js';
import { describeValue } from '../parse/describe-value.js';
import { HOUR_MS } from './time-units.js';

/** The SLA rules, from config. */
export interface SlaPolicy {
  slaHours: Readonly<Record<string, number>>;
  defaultTier: string;
  tierAttribute: string | undefined;
  terminationDateAttribute: string;
  timeZone: string;
  excludedApplications: ReadonlySet<string>;
  renotifyMinutes: number;
}

/** Where an inactive identity stands against its SLA at `nowMs`. */
export interface SlaAssessment {
  tier: string;
  /** The tier value found in IIQ when it has no SLA (so the default applied), for a warning. */
  unknownTierValue: string | undefined;
  slaHours: number;
  terminatedAtMs: number;
  /** How the termination instant was established. */
  terminationSource: 'attribute' | 'first-seen';
  slaDeadlineMs: number;
  elapsedMs: number;
  severity: Severity | undefined;
}

/**
 * Tier, SLA and termination instant of an inactive identity. Without a usable termination
 * attribute the instant it was first seen inactive stands in.
 */
export function assessIdentity(identity: Identity, policy: SlaPolicy, firstSeenMs: number, nowMs: number): SlaAssessment {
  const rawTier = policy.tierAttribute === undefined ? undefined : identity.attributes[policy.tierAttribute];
  const matchedTier = typeof rawTier === 'string' ? matchTier(rawTier, policy.slaHours) : undefined;
  const tier = matchedTier ?? policy.defaultTier;
  const slaHours = Object.hasOwn(policy.slaHours, tier) ? (policy.slaHours[tier] ?? Number.NaN) : Number.NaN;
  const parsed = parseTerminationInstant(identity.attributes[policy.terminationDateAttribute], policy.timeZone);
  const terminatedAtMs = parsed ?? firstSeenMs;
  const slaDeadlineMs = terminatedAtMs + slaHours * HOUR_MS;
  const elapsedMs = nowMs - terminatedAtMs;
  return {
    tier,
    unknownTierValue: rawTier !== undefined && rawTier !== null && rawTier !== '' && !matchedTier ? describeValue(rawTier) : undefined,
    slaHours,
    terminatedAtMs,
    terminationSource: parsed === undefined ? 'first-seen' : 'attribute',
    slaDeadlineMs,
    elapsedMs,
    severity: severityFor(elapsedMs, slaHours),
  };
}

/**
 * Severity after `elapsedMs`: none up to and including the SLA, `warning` past it,
 * `error` past twice the SLA. Exactly at a boundary is not yet past it.
 */
export function severityFor(elapsedMs: number, slaHours: number): Severity | undefined {
  const slaMs = slaHours * HOUR_MS;
  if (elapsedMs > 2 * slaMs) return 'error';
  if (elapsedMs > slaMs) return 'warning';
  return undefined;
}

/**
 * What an identity's accounts say, excluded applications left out. An account of unknown
 * status (IIQ did not say whether it is disabled) is not confirmed disabled: it counts toward
 * a breach like an enabled one, but is kept apart so events can say which.
 */
export interface AccountSummary {
  /** Applications with an enabled account, sorted. */
  activeApplications: string[];
  /** Enabled accounts. */
  activeAccountCount: number;
  /** Accounts of unknown status. */
  unknownAccountCount: number;
  /** Applications with an account of unknown status, sorted. */
  unknownApplications: string[];
}

/** Counts enabled and unknown accounts outside the excluded applications. */
export function summarizeAccounts(accounts: readonly Account[], excludedApplications: ReadonlySet<string>): AccountSummary {
  const applications = new Set<string>();
  const unknownApplications = new Set<string>();
  let activeAccountCount = 0;
  let unknownAccountCount = 0;
  for (const account of accounts) {
    if (excludedApplications.has(account.application)) continue;
    if (account.status === 'enabled') {
      activeAccountCount += 1;
      applications.add(account.application);
    } else if (account.status === 'unknown') {
      unknownAccountCount += 1;
      unknownApplications.add(account.application);
    }
  }
  return {
    activeApplications: [...applications].sort(),
    activeAccountCount,
    unknownAccountCount,
    unknownApplications: [...unknownApplications].sort(),
  };
}

// Tier names are configured by hand; accept IIQ's value in any letter case. The value is data:
// "constructor" or "__proto__" must not find the object's own machinery (Object.hasOwn, not `in`).
function matchTier(value: string, slaHours: Readonly<Record<string, number>>): string | undefined {
  if (Object.hasOwn(slaHours, value)) return value;
  const lower = value.trim().toLowerCase();
  return Object.keys(slaHours).find((tier) => tier.toLowerCase() === lower);
}
