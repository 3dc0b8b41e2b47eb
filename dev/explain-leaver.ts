/**
 * Why a leaver of a fake population is or is not paged, in words, for the demo and the
 * sandbox's built-in story. A narration of the SLA rules (spec 1, 4.3) for stories whose data
 * is known; the watchdog's own decision is what PagerDuty receives.
 */
import type { FakeIdentity } from './fake-iiq.js';

/** The parts of a config the narration needs. */
export interface ExplainPolicy {
  slaHours: Record<string, number>;
  defaultTier: string;
  tierAttribute: string;
  terminationDateAttribute: string;
  excludedApplications: readonly string[];
}

/** The verdict on one leaver: paged or not, and why. */
export interface LeaverExplanation {
  name: string;
  displayName: string;
  paged: boolean;
  reason: string;
}

const HOUR_MS = 3_600_000;

function ago(ms: number): string {
  const hours = ms / HOUR_MS;
  return hours >= 48 ? `${Math.round(hours / 24)} days ago` : `${hours.toFixed(1)} h ago`;
}

/** Explains one leaver at `now`. */
export function explainLeaver(identity: FakeIdentity, policy: ExplainPolicy, now: Date): LeaverExplanation {
  const verdict = (paged: boolean, reason: string): LeaverExplanation => ({
    name: identity.name,
    displayName: identity.displayName,
    paged,
    reason,
  });
  // Still active: a leaver all the same once the termination is past (the refresh never ran).
  const activeTerminatedMs = Date.parse(String(identity.attributes[policy.terminationDateAttribute]));
  if (!identity.inactive && (Number.isNaN(activeTerminatedMs) || activeTerminatedMs > now.getTime()))
    return verdict(false, 'still active in the source and no termination past: not a leaver');
  const stage = identity.inactive ? '' : 'not started (still active in the source after the termination); ';
  const rawTier = identity.attributes[policy.tierAttribute];
  const tier = typeof rawTier === 'string' && rawTier in policy.slaHours ? rawTier : policy.defaultTier;
  const slaHours = policy.slaHours[tier] ?? 0;
  const terminatedMs = Date.parse(String(identity.attributes[policy.terminationDateAttribute]));
  if (Number.isNaN(terminatedMs))
    return verdict(false, 'no readable termination date: the watchdog starts counting when it first sees the leaver');
  const elapsedMs = now.getTime() - terminatedMs;
  const left = `left ${ago(elapsedMs)}, ${tier} SLA ${slaHours} h`;
  if (elapsedMs <= slaHours * HOUR_MS) return verdict(false, `within SLA (${left})`);
  const stillOn = identity.links.filter((link) => link.disabled !== true);
  if (stillOn.length === 0) return verdict(false, `all accounts disabled (${left})`);
  const counted = stillOn.filter((link) => !policy.excludedApplications.includes(link.application));
  const apps = (links: typeof stillOn): string => [...new Set(links.map((link) => link.application))].join(', ');
  if (counted.length === 0) return verdict(false, `only an excluded application is still enabled: ${apps(stillOn)} (${left})`);
  const severity = elapsedMs > 2 * slaHours * HOUR_MS ? 'error: past twice the SLA' : 'warning: past the SLA';
  return verdict(true, `${stage}${severity}; still enabled: ${apps(counted)} (${left})`);
}
