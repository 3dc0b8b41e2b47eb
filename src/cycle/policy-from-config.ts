import type { Config } from '../config/config.js';
import type { SlaPolicy } from '../sla/policy.js';
import type { LeaverRule } from '../sla/leaver.js';

/** Who is a leaver besides those the source shows inactive. */
export function leaverRuleFrom(config: Config): LeaverRule {
  return { notStartedLookbackDays: config.leaver.notStartedLookbackDays, rehireDateAttribute: config.leaver.rehireDateAttribute };
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
