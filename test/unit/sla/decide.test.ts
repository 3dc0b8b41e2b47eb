import { describe, expect, it } from 'vitest';
import { observeAccountsUnderPolicy, type AccountsObservation } from '../../../src/sla/account-policy.js';
import type { Account } from '../../../src/source/identity-source.js';
import { HOLD_NOT_CONFIRMED, decide, type Observation } from '../../../src/sla/decide.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import { assessIdentity, severityFor, summarizeAccounts, type SlaPolicy } from '../../../src/sla/policy.js';
import { NOW_MS as NOW, HOUR_MS as HOUR } from '../../helpers/clock.js';
import { testPolicy, janeIncident } from '../../helpers/sla-fixtures.js';

const policy: SlaPolicy = testPolicy();

function observe(opts: {
  hoursAgo: number;
  tier?: string;
  accounts?: AccountsObservation | Account[];
  inactive?: boolean;
  id?: string;
  notStarted?: boolean;
}): Observation {
  const id = opts.id ?? 'id1';
  const identity = {
    id,
    name: 'jdoe',
    displayName: 'Jane Doe',
    inactive: opts.inactive ?? true,
    attributes: { hrTerminationDate: new Date(NOW - opts.hoursAgo * HOUR).toISOString(), risk_tier: opts.tier ?? 'privileged' },
  };
  const assessment = assessIdentity(identity, policy, NOW, NOW);
  const accounts = opts.accounts ?? observed(['Active Directory']);
  return {
    identity,
    inactive: opts.notStarted ? false : identity.inactive,
    ...(opts.notStarted ? { leaverStage: 'not-started' as const } : {}),
    assessment,
    // Accounts as read go through the account policy (no grace, no exceptions), as the cycle does.
    accounts: Array.isArray(accounts)
      ? observeAccountsUnderPolicy(accounts, {
          identity,
          assessment,
          policy: { applicationSlaHours: {}, exceptions: [] },
          excludedApplications: policy.excludedApplications,
          nowMs: NOW,
        })
      : accounts,
  };
}

/** Enabled accounts of `applications`, and `unknownAccountCount` accounts of unknown status spread over `unknownApplications`. */
function observed(
  applications: string[],
  unknownAccountCount = 0,
  unknownApplications = unknownAccountCount > 0 ? ['GitHub'] : [],
): Account[] {
  return [
    ...applications.map((application): Account => ({ application, status: 'enabled' })),
    ...Array.from({ length: unknownAccountCount }, (_, i): Account => ({
      application: unknownApplications[i % unknownApplications.length] ?? 'GitHub',
      status: 'unknown',
    })),
  ];
}

const incident = (overrides: Partial<OpenIncident> = {}): OpenIncident => janeIncident(overrides);

type Row = [name: string, observation: Observation | undefined, open: OpenIncident | undefined, listingComplete: boolean, expected: string];

describe('decide', () => {
  const rows: Row[] = [
    ['not yet past SLA: nothing', observe({ hoursAgo: 3.9 }), undefined, true, ''],
    ['exactly at SLA is not past it', observe({ hoursAgo: 4 }), undefined, true, ''],
    ['just past SLA: trigger warning', observe({ hoursAgo: 4.01 }), undefined, true, 'trigger:first breach:warning'],
    ['exactly 2 x SLA is still warning', observe({ hoursAgo: 8 }), undefined, true, 'trigger:first breach:warning'],
    ['past 2 x SLA: trigger error', observe({ hoursAgo: 8.01 }), undefined, true, 'trigger:first breach:error'],
    ['standard tier uses its own SLA', observe({ hoursAgo: 7, tier: 'standard' }), undefined, true, ''],
    [
      'unknown tier falls back to the default tier',
      observe({ hoursAgo: 9, tier: 'board' }),
      undefined,
      true,
      'trigger:first breach:warning',
    ],
    ['past SLA but no active accounts: nothing', observe({ hoursAgo: 9, accounts: observed([]) }), undefined, true, ''],
    ['open, same facts, within renotify: nothing', observe({ hoursAgo: 5 }), incident(), true, ''],
    ['open, escalated to error: re-trigger', observe({ hoursAgo: 9 }), incident(), true, 'retrigger:severity escalated:error'],
    [
      'open, applications changed: re-trigger',
      observe({ hoursAgo: 5, accounts: observed(['Active Directory', 'Salesforce']) }),
      incident(),
      true,
      'retrigger:active applications changed:warning',
    ],
    [
      'open, renotify interval elapsed exactly: re-trigger',
      observe({ hoursAgo: 5 }),
      incident({ lastSentAt: new Date(NOW - 240 * 60_000).toISOString() }),
      true,
      'retrigger:renotify interval elapsed:warning',
    ],
    [
      'open, renotify not yet elapsed: nothing',
      observe({ hoursAgo: 5 }),
      incident({ lastSentAt: new Date(NOW - 239 * 60_000).toISOString() }),
      true,
      '',
    ],
    ['open, accounts disabled: resolve', observe({ hoursAgo: 5, accounts: observed([]) }), incident(), true, 'resolve:accounts disabled'],
    // Changed (unknown is not disabled): this used to hold; the accounts still count, and the applications changed.
    [
      'open, only unknown-status accounts left: still a breach, re-trigger',
      observe({ hoursAgo: 5, accounts: observed([], 2) }),
      incident(),
      true,
      'retrigger:active applications changed:warning',
    ],
    [
      'past SLA, only unknown-status accounts: trigger',
      observe({ hoursAgo: 5, accounts: observed([], 1) }),
      undefined,
      true,
      'trigger:first breach:warning',
    ],
    [
      'open, same unknown-status applications: nothing',
      observe({ hoursAgo: 5, accounts: observed([], 2) }),
      incident({ activeApplications: [], activeAccountCount: 0, unknownApplications: ['GitHub'], unknownAccountCount: 2 }),
      true,
      '',
    ],
    [
      'open, an unknown-status application appears: re-trigger',
      observe({ hoursAgo: 5, accounts: observed(['Active Directory'], 1) }),
      incident(),
      true,
      'retrigger:active applications changed:warning',
    ],
    [
      'open, identity active and no longer a leaver: resolve',
      observe({ hoursAgo: 5, inactive: false }),
      incident(),
      true,
      'resolve:no longer a leaver',
    ],
    ['not-started leaver past SLA: trigger', observe({ hoursAgo: 6, notStarted: true }), undefined, true, 'trigger:first breach:warning'],
    ['not-started leaver within SLA: nothing', observe({ hoursAgo: 3, notStarted: true }), undefined, true, ''],
    [
      'open started incident, leaver shown active again: re-trigger with the new stage',
      observe({ hoursAgo: 5, notStarted: true }),
      incident(),
      true,
      'retrigger:leaver stage changed:warning',
    ],
    [
      'open not-started incident, leaver now inactive: re-trigger with the new stage',
      observe({ hoursAgo: 5 }),
      incident({ leaverStage: 'not-started' }),
      true,
      'retrigger:leaver stage changed:warning',
    ],
    [
      'open not-started incident, same stage: nothing',
      observe({ hoursAgo: 5, notStarted: true }),
      incident({ leaverStage: 'not-started' }),
      true,
      '',
    ],
    [
      'open not-started incident, accounts disabled: resolve',
      observe({ hoursAgo: 5, notStarted: true, accounts: observed([]) }),
      incident({ leaverStage: 'not-started' }),
      true,
      'resolve:accounts disabled',
    ],
    [
      'open, identity 404: resolve',
      observe({ hoursAgo: 5, accounts: { kind: 'identity-gone' } }),
      incident(),
      true,
      'resolve:identity deleted',
    ],
    [
      'open, accounts read failed: hold',
      observe({ hoursAgo: 5, accounts: { kind: 'failed', error: 'HTTP 500' } }),
      incident(),
      true,
      'hold:accounts could not be read: HTTP 500',
    ],
    [
      'no incident, accounts read failed: nothing',
      observe({ hoursAgo: 5, accounts: { kind: 'failed', error: 'HTTP 500' } }),
      undefined,
      true,
      '',
    ],
    ['open, no longer past SLA (date moved): resolve', observe({ hoursAgo: 1 }), incident(), true, 'resolve:no longer past SLA'],
    // Changed (confirm before resolve): this used to resolve; the cycle looks the identity up and observes it instead.
    ['open, absent from a complete listing and not looked up: hold', undefined, incident(), true, `hold:${HOLD_NOT_CONFIRMED}`],
    [
      'open, absent from an incomplete listing: hold',
      undefined,
      incident(),
      false,
      'hold:identity not observed: the inactive listing was incomplete',
    ],
  ];

  it.each(rows)('%s', (_name, observation, open, listingComplete, expected) => {
    const decisions = decide({
      observations: observation ? [observation] : [],
      listingComplete,
      openIncidents: open ? { [open.dedupKey]: open } : {},
      nowMs: NOW,
      renotifyMinutes: policy.renotifyMinutes,
    });
    const described = decisions.map((d) =>
      d.action === 'trigger' || d.action === 'retrigger' ? `${d.action}:${d.reason}:${d.breach.severity}` : `${d.action}:${d.reason}`,
    );
    expect(described.join('|')).toBe(expected);
  });

  it('builds the breach facts from the observation', () => {
    const [decision] = decide({
      observations: [observe({ hoursAgo: 5.2, accounts: observed(['Active Directory', 'Salesforce']) })],
      listingComplete: true,
      openIncidents: {},
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(decision?.action === 'trigger' && decision.breach).toEqual({
      dedupKey: 'iiq-leaver-sla-id1',
      identityId: 'id1',
      identityName: 'jdoe',
      displayName: 'Jane Doe',
      tier: 'privileged',
      slaHours: 4,
      severity: 'warning',
      activeApplications: ['Active Directory', 'Salesforce'],
      activeAccountCount: 2,
      terminationDate: '2026-11-24T06:48:00.000Z',
      terminationSource: 'attribute',
      slaDeadline: '2026-11-24T10:48:00.000Z',
      elapsedHours: 5.2,
      leaverStage: 'started',
    });
  });

  it('keeps unknown-status applications apart in the breach, and counts them', () => {
    const [decision] = decide({
      observations: [observe({ hoursAgo: 5.2, accounts: observed(['Salesforce'], 3, ['GitHub', 'Workday']) })],
      listingComplete: true,
      openIncidents: {},
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(decision?.action === 'trigger' && decision.breach).toMatchObject({
      activeApplications: ['Salesforce'],
      activeAccountCount: 1,
      unknownApplications: ['GitHub', 'Workday'],
      unknownAccountCount: 3,
    });
  });
});

describe('assessIdentity', () => {
  const identity = (attributes: Record<string, unknown>) => ({ id: 'x', name: 'x', displayName: 'x', inactive: true, attributes });

  it('uses the first-seen instant when the termination date is missing or unparseable', () => {
    for (const attributes of [{}, { hrTerminationDate: 'soon' }]) {
      const assessment = assessIdentity(identity(attributes), policy, NOW - 9 * HOUR, NOW);
      expect(assessment).toMatchObject({
        terminationSource: 'first-seen',
        terminatedAtMs: NOW - 9 * HOUR,
        severity: 'warning',
        tier: 'standard',
      });
    }
  });

  it('treats a future termination date as not yet due', () => {
    const assessment = assessIdentity(identity({ hrTerminationDate: '2026-12-01' }), policy, NOW, NOW);
    expect(assessment.severity).toBeUndefined();
  });

  it('matches tiers case-insensitively and reports unknown tier values', () => {
    expect(assessIdentity(identity({ risk_tier: 'PRIVILEGED' }), policy, NOW, NOW)).toMatchObject({
      tier: 'privileged',
      unknownTierValue: undefined,
    });
    expect(assessIdentity(identity({ risk_tier: 'vip' }), policy, NOW, NOW)).toMatchObject({ tier: 'standard', unknownTierValue: 'vip' });
    // Found by the property test: a tier value whose toString is not a function.
    expect(assessIdentity(identity({ risk_tier: { toString: [] } }), policy, NOW, NOW)).toMatchObject({
      tier: 'standard',
      unknownTierValue: '{"toString":[]}',
    });
  });

  it('severity boundaries', () => {
    expect([4 * HOUR, 4 * HOUR + 1, 8 * HOUR, 8 * HOUR + 1].map((ms) => severityFor(ms, 4))).toEqual([
      undefined,
      'warning',
      'warning',
      'error',
    ]);
  });
});

describe('summarizeAccounts', () => {
  it('counts enabled accounts per application, skips excluded and disabled, counts unknown', () => {
    const summary = summarizeAccounts(
      [
        { application: 'Salesforce', status: 'enabled' },
        { application: 'Active Directory', status: 'enabled' },
        { application: 'Active Directory', status: 'enabled' },
        { application: 'HR Archive', status: 'enabled' },
        { application: 'SAP', status: 'disabled' },
        { application: 'GitHub', status: 'unknown' },
      ],
      policy.excludedApplications,
    );
    expect(summary).toEqual({
      activeApplications: ['Active Directory', 'Salesforce'],
      activeAccountCount: 3,
      unknownAccountCount: 1,
      unknownApplications: ['GitHub'],
    });
  });
});
