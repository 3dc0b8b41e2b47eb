/** The pure core of per-application grace and approved exceptions, with a fixed `now`. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../../src/source/identity-source.js';
import { evaluateAccounts, observeAccountsUnderPolicy, pastEarliestSla, type AccountPolicy } from '../../../src/sla/account-policy.js';
import { decide, type Observation } from '../../../src/sla/decide.js';
import { planExceptionRecords } from '../../../src/sla/exception-audit.js';
import { parseExceptions, type ApprovedException } from '../../../src/sla/account-policy.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import { assessIdentity, type SlaPolicy } from '../../../src/sla/policy.js';
import { NOW_MS as NOW, HOUR_MS as HOUR } from '../../helpers/clock.js';
import { testPolicy, janeIncident } from '../../helpers/sla-fixtures.js';

const EXCLUDED = new Set(['HR Archive']);
const slaPolicy: SlaPolicy = testPolicy({ excludedApplications: EXCLUDED });
const GRACE = { 'Exchange Online': 720, Payroll: 48, VPN: 1 };

type Status = Account['status'];
const acc = (application: string, status: Status = 'enabled'): Account => ({ application, status });

/** Exceptions as the file would carry them, validated as of `NOW`. */
function exceptions(...entries: Record<string, unknown>[]): ApprovedException[] {
  return parseExceptions(
    entries.map((e) => ({ reason: 'legal hold LH-2291', approvedBy: 'ciso@example.com', ...e })),
    NOW,
    'UTC',
    'exceptions.json',
  );
}

function observation(opts: {
  hoursAgo: number;
  accounts: Account[];
  tier?: string;
  exceptions?: ApprovedException[];
  nowMs?: number;
  grace?: Record<string, number>;
}): Observation {
  const nowMs = opts.nowMs ?? NOW;
  const identity = {
    id: 'id1',
    name: 'jdoe',
    displayName: 'Jane Doe',
    inactive: true,
    attributes: { hrTerminationDate: new Date(NOW - opts.hoursAgo * HOUR).toISOString(), risk_tier: opts.tier ?? 'privileged' },
  };
  const assessment = assessIdentity(identity, slaPolicy, nowMs, nowMs);
  const policy: AccountPolicy = { applicationSlaHours: opts.grace ?? GRACE, exceptions: opts.exceptions ?? [] };
  return {
    identity,
    inactive: true,
    assessment,
    accounts: observeAccountsUnderPolicy(opts.accounts, { identity, assessment, policy, excludedApplications: EXCLUDED, nowMs }),
  };
}

const incident = (overrides: Partial<OpenIncident> = {}): OpenIncident => janeIncident(overrides);

/** "action:reason:severity:active|grace|excepted", or "" when nothing is decided. */
function decided(obs: Observation, open?: OpenIncident, nowMs = NOW): string {
  const decisions = decide({
    observations: [obs],
    listingComplete: true,
    openIncidents: open ? { [open.dedupKey]: open } : {},
    nowMs,
    renotifyMinutes: 240,
  });
  return decisions
    .map((d) => {
      if (d.action !== 'trigger' && d.action !== 'retrigger') return `${d.action}:${d.reason}`;
      const b = d.breach;
      return `${d.action}:${d.reason}:${b.severity}:${b.activeApplications.join(',')}|${(b.withinGraceApplications ?? []).join(',')}|${(b.exceptedApplications ?? []).join(',')}`;
    })
    .join(' / ');
}

describe('per-application grace (applicationSlaHours)', () => {
  const rows: [string, Parameters<typeof observation>[0], OpenIncident | undefined, string][] = [
    [
      'tier SLA passed, every enabled account within its grace: not paged',
      { hoursAgo: 5, accounts: [acc('Exchange Online'), acc('Payroll')] },
      undefined,
      '',
    ],
    [
      'one account overdue, one within grace: pages the overdue one, lists the other',
      { hoursAgo: 5, accounts: [acc('Active Directory'), acc('Exchange Online')] },
      undefined,
      'trigger:first breach:warning:Active Directory|Exchange Online|',
    ],
    [
      'grace passed (48 h): overdue, severity from its own SLA',
      { hoursAgo: 49, accounts: [acc('Payroll')] },
      undefined,
      'trigger:first breach:warning:Payroll||',
    ],
    ['exactly at the application SLA: still within grace', { hoursAgo: 48, accounts: [acc('Payroll')] }, undefined, ''],
    [
      'twice the application SLA: error',
      { hoursAgo: 96.5, accounts: [acc('Payroll'), acc('Exchange Online')] },
      undefined,
      'trigger:first breach:error:Payroll|Exchange Online|',
    ],
    [
      'a shorter application SLA pages before the tier SLA',
      { hoursAgo: 2.5, accounts: [acc('VPN'), acc('Active Directory')] },
      undefined,
      'trigger:first breach:error:VPN|Active Directory|',
    ],
    [
      'unknown status is not disabled: within grace like enabled',
      { hoursAgo: 5, accounts: [acc('Exchange Online', 'unknown')] },
      undefined,
      '',
    ],
    [
      'disabled accounts never count, whatever their grace',
      { hoursAgo: 800, accounts: [acc('Exchange Online', 'disabled')] },
      undefined,
      '',
    ],
    [
      'excluded applications never count, not even as grace',
      { hoursAgo: 5, accounts: [acc('HR Archive'), acc('Active Directory')] },
      undefined,
      'trigger:first breach:warning:Active Directory||',
    ],
    [
      'open incident, overdue account disabled, grace account left: resolve within grace',
      { hoursAgo: 5, accounts: [acc('Active Directory', 'disabled'), acc('Exchange Online')] },
      incident(),
      'resolve:within application grace',
    ],
    [
      'open incident, link removed, grace account left: resolve within grace',
      { hoursAgo: 5, accounts: [acc('Exchange Online')] },
      incident(),
      'resolve:within application grace',
    ],
    [
      'open incident, everything disabled: accounts disabled',
      { hoursAgo: 5, accounts: [acc('Active Directory', 'disabled'), acc('Exchange Online', 'disabled')] },
      incident(),
      'resolve:accounts disabled',
    ],
    [
      'open incident, grace ends: applications changed',
      { hoursAgo: 49, accounts: [acc('Active Directory'), acc('Payroll')] },
      incident({ severity: 'error' }),
      'retrigger:active applications changed:error:Active Directory,Payroll||',
    ],
    [
      'open incident (short SLA), remediated before the tier SLA: accounts disabled',
      { hoursAgo: 2, accounts: [acc('VPN', 'disabled'), acc('Active Directory')] },
      incident(),
      'resolve:accounts disabled',
    ],
  ];
  it.each(rows)('%s', (_name, opts, open, expected) => {
    expect(decided(observation(opts), open)).toBe(expected);
  });

  it('the breach carries the SLA of the account due first: its hours, deadline and application', () => {
    const decisions = decide({
      observations: [observation({ hoursAgo: 50, accounts: [acc('Payroll'), acc('Exchange Online')] })],
      listingComplete: true,
      openIncidents: {},
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(decisions[0]?.action === 'trigger' && decisions[0].breach).toMatchObject({
      slaHours: 48,
      slaApplication: 'Payroll',
      slaDeadline: new Date(NOW - 2 * HOUR).toISOString(),
      activeApplications: ['Payroll'],
      withinGraceApplications: ['Exchange Online'],
    });
  });

  it('accounts are read once the shortest SLA that can apply has passed', () => {
    const assessment = (hoursAgo: number) => ({ severity: undefined, slaHours: 4, elapsedMs: hoursAgo * HOUR });
    expect(pastEarliestSla(assessment(1.5), { applicationSlaHours: GRACE, exceptions: [] })).toBe(true);
    expect(pastEarliestSla(assessment(0.5), { applicationSlaHours: GRACE, exceptions: [] })).toBe(false);
    expect(pastEarliestSla(assessment(1.5), { applicationSlaHours: { 'Exchange Online': 720 }, exceptions: [] })).toBe(false);
    expect(pastEarliestSla(assessment(1.5), { applicationSlaHours: {}, exceptions: [] })).toBe(false);
  });

  it('without grace or exceptions the verdict is the tier SLA of before', () => {
    const obs = observation({ hoursAgo: 5, accounts: [acc('Active Directory'), acc('Salesforce'), acc('GitHub', 'unknown')], grace: {} });
    expect(obs.accounts).toMatchObject({
      kind: 'observed',
      activeApplications: ['Active Directory', 'Salesforce'],
      activeAccountCount: 2,
      unknownAccountCount: 1,
    });
    expect(decided(obs)).toBe('trigger:first breach:warning:Active Directory,Salesforce||');
  });
});

describe('approved exceptions', () => {
  const holdingAll = exceptions({ identity: 'jdoe', until: '2026-12-31' });
  const rows: [string, Parameters<typeof observation>[0], OpenIncident | undefined, string][] = [
    ['by name, all applications: not paged', { hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: holdingAll }, undefined, ''],
    [
      'by id: not paged',
      { hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: exceptions({ identity: 'id1', until: '2026-12-31' }) },
      undefined,
      '',
    ],
    [
      'another identity: paged',
      { hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: exceptions({ identity: 'jdoe2', until: '2026-12-31' }) },
      undefined,
      'trigger:first breach:warning:Active Directory||',
    ],
    [
      'names are matched exactly (case too)',
      { hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: exceptions({ identity: 'JDoe', until: '2026-12-31' }) },
      undefined,
      'trigger:first breach:warning:Active Directory||',
    ],
    [
      'one application excepted, another still overdue: paged for the other',
      {
        hoursAgo: 5,
        accounts: [acc('Active Directory'), acc('Salesforce')],
        exceptions: exceptions({ identity: 'jdoe', applications: ['Salesforce'], until: '2026-12-31' }),
      },
      undefined,
      'trigger:first breach:warning:Active Directory||Salesforce',
    ],
    [
      'unknown status is excepted like enabled',
      {
        hoursAgo: 5,
        accounts: [acc('Salesforce', 'unknown')],
        exceptions: exceptions({ identity: 'jdoe', applications: ['Salesforce'], until: '2026-12-31' }),
      },
      undefined,
      '',
    ],
    [
      'open incident, remaining accounts all excepted: exception approved',
      { hoursAgo: 5, accounts: [acc('Active Directory'), acc('Salesforce', 'disabled')], exceptions: holdingAll },
      incident(),
      'resolve:exception approved',
    ],
    [
      'open incident, one excepted, one within grace: exception approved',
      {
        hoursAgo: 5,
        accounts: [acc('Active Directory'), acc('Exchange Online')],
        exceptions: exceptions({ identity: 'jdoe', applications: ['Active Directory'], until: '2026-12-31' }),
      },
      incident(),
      'resolve:exception approved',
    ],
    [
      'open incident, the excepted application is not the overdue one: stays open',
      {
        hoursAgo: 5,
        accounts: [acc('Active Directory'), acc('Salesforce')],
        exceptions: exceptions({ identity: 'jdoe', applications: ['Salesforce'], until: '2026-12-31' }),
      },
      incident(),
      '',
    ],
  ];
  it.each(rows)('%s', (_name, opts, open, expected) => {
    expect(decided(observation(opts), open)).toBe(expected);
  });

  describe('expiry at the exact instant', () => {
    const until = '2026-11-24T12:00:00Z';
    const file = exceptions({ identity: 'jdoe', applications: ['Active Directory'], until });
    const at = (ms: number) =>
      observation({ hoursAgo: 5 + (ms - NOW) / HOUR, nowMs: ms, accounts: [acc('Active Directory')], exceptions: file });
    it.each([
      ['one millisecond before `until`: holds', NOW - 1, undefined, ''],
      ['at `until`: expired, pages with reason exception expired', NOW, undefined, 'trigger:exception expired:warning:Active Directory||'],
      [
        'after `until`, other accounts already paging: re-trigger, exception expired',
        NOW + 60_000,
        incident({ activeApplications: ['Salesforce'] }),
        'retrigger:exception expired:warning:Active Directory||',
      ],
    ] as const)('%s', (_name, nowMs, open, expected) => {
      expect(decided(at(nowMs), open, nowMs)).toBe(expected);
    });

    it('a date-only `until` holds through that whole day in leaver.timezone', () => {
      const [utc] = parseExceptions([{ identity: 'x', until: '2026-11-30', reason: 'r', approvedBy: 'a' }], NOW, 'UTC', 'f');
      const [berlin] = parseExceptions([{ identity: 'x', until: '2026-11-30', reason: 'r', approvedBy: 'a' }], NOW, 'Europe/Berlin', 'f');
      const [newYork] = parseExceptions(
        [{ identity: 'x', until: '2026-11-30', reason: 'r', approvedBy: 'a' }],
        NOW,
        'America/New_York',
        'f',
      );
      expect(new Date(utc!.untilMs).toISOString()).toBe('2026-12-01T00:00:00.000Z');
      expect(new Date(berlin!.untilMs).toISOString()).toBe('2026-11-30T23:00:00.000Z');
      expect(new Date(newYork!.untilMs).toISOString()).toBe('2026-12-01T05:00:00.000Z');
    });

    it('an exception that expired before the account was ever overdue is not "exception expired"', () => {
      const old = parseExceptions([{ identity: 'jdoe', until: '2026-11-24T06:00:00Z', reason: 'r', approvedBy: 'a' }], NOW, 'UTC', 'f');
      expect(decided(observation({ hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: old }))).toBe(
        'trigger:first breach:warning:Active Directory||',
      );
    });
  });

  it('the verdict names the exceptions that change what is paged (overdue accounts only)', () => {
    const file = exceptions({ identity: 'jdoe', until: '2026-12-31' });
    const { counting, verdict } = evaluateAccounts([acc('Active Directory'), acc('Exchange Online'), acc('GitHub', 'disabled')], {
      identity: { id: 'id1', name: 'jdoe' },
      assessment: { slaHours: 4, terminatedAtMs: NOW - 5 * HOUR, elapsedMs: 5 * HOUR, severity: 'warning' },
      policy: { applicationSlaHours: GRACE, exceptions: file },
      excludedApplications: EXCLUDED,
      nowMs: NOW,
    });
    expect(counting).toEqual([]);
    expect(verdict).toMatchObject({
      pastSla: true,
      severity: undefined,
      exceptedApplications: ['Active Directory', 'Exchange Online'],
      quietReason: 'exception approved',
    });
    expect(verdict.applied.map((a) => a.applications)).toEqual([['Active Directory']]);
  });
});

describe('exception audit records', () => {
  const file = exceptions(
    { identity: 'jdoe', applications: ['Active Directory'], until: '2026-12-31' },
    { identity: 'nobody', until: '2026-12-31' },
  );
  const obs = observation({ hoursAgo: 5, accounts: [acc('Active Directory')], exceptions: file });

  it('records an exception once per identity and approval, and forgets it once expired', () => {
    const first = planExceptionRecords([obs], {}, new Date(NOW));
    expect(first.records).toEqual([
      {
        event_action: 'exception',
        identity_id: 'id1',
        identity_name: 'jdoe',
        tier: 'privileged',
        applications: ['Active Directory'],
        until: '2026-12-31',
        expires_at: '2027-01-01T00:00:00.000Z',
        reason: 'legal hold LH-2291',
        approved_by: 'ciso@example.com',
        recorded_at: '2026-11-24T12:00:00.000Z',
      },
    ]);
    const again = planExceptionRecords([obs], first.recorded, new Date(NOW + HOUR));
    expect(again.records).toEqual([]);
    expect(again.recorded).toEqual(first.recorded);
    expect(planExceptionRecords([], first.recorded, new Date('2027-01-01T00:00:00Z')).recorded).toEqual({});
  });

  it('an exception that changes nothing (account within grace or disabled) is not recorded', () => {
    const quiet = observation({
      hoursAgo: 5,
      accounts: [acc('Exchange Online'), acc('Active Directory', 'disabled')],
      exceptions: exceptions({ identity: 'jdoe', until: '2026-12-31' }),
    });
    expect(planExceptionRecords([quiet], {}, new Date(NOW)).records).toEqual([]);
  });

  it('a changed approval (new until) is a new record', () => {
    const first = planExceptionRecords([obs], {}, new Date(NOW));
    const extended = observation({
      hoursAgo: 5,
      accounts: [acc('Active Directory')],
      exceptions: exceptions({ identity: 'jdoe', applications: ['Active Directory'], until: '2027-01-31' }),
    });
    expect(planExceptionRecords([extended], first.recorded, new Date(NOW)).records).toHaveLength(1);
  });
});

describe('parseExceptions', () => {
  const base = { identity: 'jdoe', until: '2026-12-31', reason: 'legal hold', approvedBy: 'ciso@example.com' };
  const error = (entries: unknown): string => {
    try {
      parseExceptions(entries, NOW, 'UTC', 'exceptions.json');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it.each([
    ['not an array', { identity: 'x' }, 'invalid exceptions file exceptions.json: must be a JSON array of exceptions'],
    ['until missing', [base, { ...base, until: undefined }], 'entry [1] (identity "jdoe") key "until": is required'],
    [
      'until not a calendar date',
      [{ ...base, until: '2026-02-30' }],
      'entry [0] (identity "jdoe") key "until": "2026-02-30" is not a calendar date',
    ],
    ['until an invalid instant', [{ ...base, until: '2026-02-30T10:00:00Z' }], 'key "until": "2026-02-30T10:00:00Z" is not a date'],
    ['until garbage', [{ ...base, until: 'next year' }], 'key "until": "next year" is not a date'],
    ['until more than 366 days ahead (date)', [{ ...base, until: '2027-11-26' }], 'key "until": "2027-11-26" is more than 366 days ahead'],
    ['until more than 366 days ahead (instant)', [{ ...base, until: '2027-11-25T12:00:00.001Z' }], 'is more than 366 days ahead'],
    ['unknown key', [{ ...base, aproved: 'x' }], 'entry [0] (identity "jdoe") key "aproved": unknown key'],
    ['empty reason', [{ ...base, reason: ' ' }], 'key "reason": must not be empty'],
    ['approvedBy missing', [{ ...base, approvedBy: undefined }], 'key "approvedBy"'],
    ['empty applications', [{ ...base, applications: [] }], 'key "applications": must name at least one application'],
    ['entry not an object', [42], 'entry [0]: must be an object'],
  ])('%s', (_name, entries, message) => {
    expect(error(entries)).toContain(message);
  });

  it.each([
    ['366 days ahead, date', '2027-11-25'],
    ['366 days ahead, instant', '2027-11-25T12:00:00Z'],
    ['in the past (an expired exception is kept as a record)', '2025-01-01'],
    ['offset instant', '2026-12-31T17:00:00-05:00'],
  ])('accepts %s', (_name, until) => {
    expect(parseExceptions([{ ...base, until }], NOW, 'UTC', 'f')).toHaveLength(1);
  });
});

describe('exceptions.example.json', () => {
  it('is a valid exceptions file (as of the sample date)', () => {
    const raw = JSON.parse(readFileSync(new URL('../../../exceptions.example.json', import.meta.url), 'utf8')) as unknown;
    const parsed = parseExceptions(raw, NOW, 'Europe/Berlin', 'exceptions.example.json');
    expect(parsed.map((e) => [e.identity, e.applications ?? 'all', new Date(e.untilMs).toISOString()])).toEqual([
      ['jdoe', ['Exchange Online', 'SharePoint Online'], '2026-12-31T23:00:00.000Z'],
      ['0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'all', '2027-03-31T22:00:00.000Z'],
      ['ktaylor', ['Workday'], '2027-01-15T23:00:00.000Z'],
    ]);
  });
});
