/** The pure core's standard cast: the SLA policy of the unit tests and Jane Doe's open incident. */
import type { OpenIncident } from '../../src/sla/incident.js';
import type { SlaPolicy } from '../../src/sla/policy.js';
import type { IncidentFacts } from '../../src/sla/state-change.js';
import { HOUR_MS, NOW_MS } from './clock.js';

/** privileged 4 h, standard 8 h (default), read from risk_tier and hrTerminationDate, UTC, HR Archive excluded, renotify 4 h. */
export function testPolicy(overrides: Partial<SlaPolicy> = {}): SlaPolicy {
  return {
    slaHours: { privileged: 4, standard: 8 },
    defaultTier: 'standard',
    tierAttribute: 'risk_tier',
    terminationDateAttribute: 'hrTerminationDate',
    timeZone: 'UTC',
    excludedApplications: new Set(['HR Archive']),
    renotifyMinutes: 240,
    ...overrides,
  };
}

/**
 * Jane Doe's open incident (id1, privileged, SLA 4 h, Active Directory enabled) as the state file
 * keeps it: terminated 5 h before `nowMs`, so past SLA by one hour, last sent 30 minutes ago.
 */
export function janeIncident(overrides: Partial<OpenIncident> = {}, nowMs = NOW_MS): OpenIncident {
  const sentAt = new Date(nowMs - 30 * 60_000).toISOString();
  return {
    dedupKey: 'iiq-leaver-sla-id1',
    identityId: 'id1',
    identityName: 'jdoe',
    displayName: 'Jane Doe',
    tier: 'privileged',
    slaHours: 4,
    severity: 'warning',
    activeApplications: ['Active Directory'],
    activeAccountCount: 1,
    terminationDate: new Date(nowMs - 5 * HOUR_MS).toISOString(),
    terminationSource: 'attribute',
    slaDeadline: new Date(nowMs - HOUR_MS).toISOString(),
    firstSentAt: sentAt,
    lastSentAt: sentAt,
    ...overrides,
  };
}

/** The facts of user n's incident (id<n>, standard tier, SLA 8 h, terminated at midnight on NOW's day) as a delivery records them. */
export function userFacts(n: number, applications = ['Active Directory']): IncidentFacts {
  return {
    dedupKey: `iiq-leaver-sla-id${n}`,
    identityId: `id${n}`,
    identityName: `user${n}`,
    displayName: `User ${n}`,
    tier: 'standard',
    slaHours: 8,
    severity: 'warning',
    activeApplications: applications,
    activeAccountCount: applications.length,
    terminationDate: '2026-11-24T00:00:00.000Z',
    terminationSource: 'attribute',
    slaDeadline: '2026-11-24T08:00:00.000Z',
  };
}
