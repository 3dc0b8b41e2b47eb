/**
 * Why a leaver of the sandbox's story is or is not paged, in words. The words come from the
 * watchdog's own rules: the identity is assessed, its accounts evaluated (tier case, time zone,
 * application grace, exceptions) and decided on by the same pure functions a first `run`
 * uses, so the narration cannot drift from what PagerDuty receives.
 */
import type { AccountPolicy } from '../sla/account-policy.js';
import { observeAccountsUnderPolicy } from '../sla/account-policy.js';
import { decide } from '../sla/decide.js';
import { DEFAULT_LEAVER_RULE, evaluateLeaverOf } from '../sla/leaver.js';
import type { Account, Identity } from '../sla/identity.js';
import { assessIdentity, type SlaPolicy } from '../sla/policy.js';
import { HOUR_MS } from '../sla/time-units.js';
import type { FakeIdentity } from './fake-iiq.js';

/** The verdict on one leaver: paged or not, and why. */
export interface LeaverExplanation {
  name: string;
  displayName: string;
  paged: boolean;
  reason: string;
}

function ago(ms: number): string {
  const hours = ms / HOUR_MS;
  return hours >= 48 ? `${Math.round(hours / 24)} days ago` : `${hours.toFixed(1)} h ago`;
}

const list = (applications: readonly string[]): string => [...new Set(applications)].join(', ');

/**
 * Narrates one leaver at `nowMs` as a first run (no open incident, first seen now) decides it.
 * Pure.
 */
export function narrateLeaver(
  identity: Identity,
  accounts: readonly Account[],
  policy: SlaPolicy,
  accountPolicy: AccountPolicy,
  nowMs: number,
): LeaverExplanation {
  const verdict = (paged: boolean, reason: string): LeaverExplanation => ({
    name: identity.name,
    displayName: identity.displayName,
    paged,
    reason,
  });
  const leaver = evaluateLeaverOf(
    identity,
    { terminationDateAttribute: policy.terminationDateAttribute, timeZone: policy.timeZone },
    DEFAULT_LEAVER_RULE,
    nowMs,
    { withLookback: true },
  );
  if (!leaver.leaver) return verdict(false, `still active in the source: not a leaver (${leaver.reason})`);
  const stage = leaver.stage === 'not-started' ? 'not started (still active in the source after the termination); ' : '';
  const assessment = assessIdentity(identity, policy, nowMs, nowMs);
  const observed = observeAccountsUnderPolicy(accounts, {
    identity,
    assessment,
    policy: accountPolicy,
    excludedApplications: policy.excludedApplications,
    nowMs,
  });
  const [decision] = decide({
    observations: [{ identity, inactive: identity.inactive, leaverStage: leaver.stage, assessment, accounts: observed }],
    listingComplete: true,
    openIncidents: {},
    nowMs,
    renotifyMinutes: policy.renotifyMinutes,
  });
  if (assessment.terminationSource === 'first-seen')
    return verdict(false, 'no readable termination date: the watchdog starts counting when it first sees the leaver');
  const left = `left ${ago(assessment.elapsedMs)}, ${assessment.tier} SLA ${assessment.slaHours} h`;
  if (decision?.action === 'trigger' || decision?.action === 'retrigger') {
    const { breach } = decision;
    const sla =
      observed.kind === 'observed' && observed.policy.slaApplication !== undefined
        ? `; ${observed.policy.slaApplication} SLA ${breach.slaHours} h`
        : '';
    const severity = breach.severity === 'error' ? 'error: past twice the SLA' : 'warning: past the SLA';
    return verdict(true, `${stage}${severity}; still enabled: ${list(breach.activeApplications)} (${left}${sla}; ${decision.reason})`);
  }
  if (observed.kind !== 'observed') return verdict(false, `accounts not read (${left})`);
  const { policy: accountVerdict } = observed;
  if (!accountVerdict.pastSla) return verdict(false, `within SLA (${left})`);
  if (accountVerdict.quietReason === 'exception approved')
    return verdict(false, `exception approved for ${list(accountVerdict.exceptedApplications)} (${left})`);
  if (accountVerdict.quietReason === 'within application grace')
    return verdict(false, `within application grace: ${list(accountVerdict.withinGraceApplications)} (${left})`);
  const stillOn = accounts.filter((account) => account.status !== 'disabled');
  if (stillOn.length === 0) return verdict(false, `all accounts disabled (${left})`);
  return verdict(false, `only an excluded application is still enabled: ${list(stillOn.map((a) => a.application))} (${left})`);
}

/** A fake IIQ identity as the watchdog sees it: the identity, and its links as accounts (no `disabled` = IIQ does not say). */
export function asSourceRead(identity: FakeIdentity): { identity: Identity; accounts: Account[] } {
  return {
    identity: {
      id: identity.id,
      name: identity.name,
      displayName: identity.displayName,
      inactive: identity.inactive,
      attributes: identity.attributes,
    },
    accounts: identity.links.map((link) => ({
      application: link.application,
      status: link.disabled === undefined ? 'unknown' : link.disabled ? 'disabled' : 'enabled',
    })),
  };
}
