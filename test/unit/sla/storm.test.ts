import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/sla/decide.js';
import type { Breach, OpenIncident } from '../../../src/sla/incident.js';
import { planStorms, stormDedupKey, type OpenStorm } from '../../../src/sla/storm.js';
import { NOW_MS as NOW } from '../../helpers/clock.js';

const AD = 'Active Directory';
// ASCII slug plus the first 8 hex of sha256 of the exact application name.
const sha8 = (name: string): string => createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
const AD_KEY = `iiq-leaver-sla-app-active-directory-${sha8(AD)}`;

function breach(n: number, applications: string[], severity: 'warning' | 'error' = 'warning'): Breach {
  return {
    dedupKey: `iiq-leaver-sla-id${n}`,
    identityId: `id${n}`,
    identityName: `user${String(n).padStart(3, '0')}`,
    displayName: `User ${n}`,
    tier: n % 2 ? 'standard' : 'privileged',
    slaHours: 8,
    severity,
    activeApplications: applications,
    activeAccountCount: applications.length,
    terminationDate: '2026-11-24T00:00:00.000Z',
    terminationSource: 'attribute',
    slaDeadline: '2026-11-24T08:00:00.000Z',
    elapsedHours: 12,
  };
}
const trigger = (n: number, applications: string[]): Decision => ({
  action: 'trigger',
  reason: 'first breach',
  breach: breach(n, applications),
  previous: undefined,
});
function incident(n: number, applications: string[], coveredBy?: string): OpenIncident {
  const { elapsedHours: _e, ...facts } = breach(n, applications);
  return { ...facts, firstSentAt: '2026-11-24T11:00:00.000Z', lastSentAt: '2026-11-24T11:00:00.000Z', ...(coveredBy ? { coveredBy } : {}) };
}
const openStorm = (count: number): OpenStorm => ({
  dedupKey: AD_KEY,
  application: AD,
  severity: 'warning',
  identityCount: count,
  firstSentAt: '2026-11-24T11:00:00.000Z',
  lastSentAt: '2026-11-24T11:00:00.000Z',
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('planStorms', () => {
  it('below the threshold: everything goes out per identity', () => {
    const decisions = range(0, 24).map((n) => trigger(n, [AD]));
    const plan = planStorms({ decisions, openIncidents: {}, openStorms: {}, threshold: 25, nowMs: NOW, renotifyMinutes: 240 });
    expect(plan).toEqual({ individual: decisions, storms: [], quiet: [] });
  });

  it('at the threshold: one application incident covers identities with only that application; the others keep their own', () => {
    const decisions = [...range(0, 59).map((n) => trigger(n, [AD])), trigger(59, [AD, 'Salesforce']), trigger(60, ['Salesforce'])];
    const plan = planStorms({ decisions, openIncidents: {}, openStorms: {}, threshold: 25, nowMs: NOW, renotifyMinutes: 240 });
    expect(plan.individual.map((d) => (d.action === 'trigger' ? d.breach.identityId : d.action))).toEqual(['id59', 'id60']);
    expect(plan.storms).toHaveLength(1);
    const [storm] = plan.storms;
    expect(storm).toMatchObject({ action: 'trigger', reason: '59 new breaches on Active Directory in one cycle' });
    expect(storm?.storm).toMatchObject({
      dedupKey: AD_KEY,
      application: AD,
      identityCount: 59,
      severity: 'warning',
      tiers: { privileged: 30, standard: 29 },
    });
    expect(storm?.action !== 'resolve' && storm?.storm.identityNames).toEqual(range(0, 20).map((n) => `user${String(n).padStart(3, '0')}`));
    expect(storm?.cover).toHaveLength(59);
  });

  it('an open storm: covered identities change quietly, newly breaching ones join, resolves once none is left', () => {
    const openIncidents = Object.fromEntries(range(0, 3).map((n) => [`iiq-leaver-sla-id${n}`, incident(n, [AD], AD_KEY)]));
    const join = planStorms({
      decisions: [trigger(7, [AD])],
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(3) },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(join.individual).toEqual([]);
    expect(join.storms.map((s) => [s.action, s.reason, s.action !== 'resolve' && s.storm.identityCount])).toEqual([
      ['retrigger', '1 more identities covered', 4],
    ]);

    const resolves: Decision[] = range(0, 3).map((n) => ({
      action: 'resolve',
      reason: 'accounts disabled',
      incident: openIncidents[`iiq-leaver-sla-id${n}`]!,
    }));
    const done = planStorms({
      decisions: resolves,
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(3) },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(done.quiet.map((q) => q.kind)).toEqual(['covered-resolve', 'covered-resolve', 'covered-resolve']);
    expect(done.individual).toEqual([]);
    expect(done.storms.map((s) => [s.action, s.storm.dedupKey])).toEqual([['resolve', AD_KEY]]);

    const partly = planStorms({
      decisions: resolves.slice(0, 2),
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(3) },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(partly.storms).toEqual([]);
  });

  it('a covered identity that gains another application leaves the storm for its own incident', () => {
    const openIncidents = { 'iiq-leaver-sla-id1': incident(1, [AD], AD_KEY), 'iiq-leaver-sla-id2': incident(2, [AD], AD_KEY) };
    const decision: Decision = {
      action: 'retrigger',
      reason: 'active applications changed',
      breach: breach(1, [AD, 'GitHub']),
      previous: openIncidents['iiq-leaver-sla-id1'],
    };
    const plan = planStorms({
      decisions: [decision],
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(2) },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(plan.individual).toEqual([decision]);
    expect(plan.storms).toEqual([]);
  });

  it('escalation and renotify re-send the application incident', () => {
    const openIncidents = { 'iiq-leaver-sla-id1': incident(1, [AD], AD_KEY) };
    const escalated: Decision = {
      action: 'retrigger',
      reason: 'severity escalated',
      breach: breach(1, [AD], 'error'),
      previous: openIncidents['iiq-leaver-sla-id1'],
    };
    const plan = planStorms({
      decisions: [escalated],
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(1) },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(plan.quiet.map((q) => q.kind)).toEqual(['covered-update']);
    expect(plan.storms.map((s) => [s.action, s.reason])).toEqual([['retrigger', 'severity escalated']]);

    const later = planStorms({
      decisions: [],
      openIncidents,
      openStorms: { [AD_KEY]: openStorm(1) },
      threshold: 25,
      nowMs: NOW + 4 * 3_600_000,
      renotifyMinutes: 240,
    });
    expect(later.storms.map((s) => [s.action, s.reason])).toEqual([['retrigger', 'renotify interval elapsed']]);
  });

  it('slugs application names into dedup keys', () => {
    expect(stormDedupKey('SAP ERP (Prod) — EU')).toBe(`iiq-leaver-sla-app-sap-erp-prod-eu-${sha8('SAP ERP (Prod) — EU')}`);
    expect(stormDedupKey('Active Directory')).toBe(AD_KEY);
  });

  it('an application incident opened under the old key (before 0.2) keeps it: covered identities stay, it still resolves', () => {
    const legacyKey = 'iiq-leaver-sla-app-active-directory';
    const legacyStorm: OpenStorm = { ...openStorm(2), dedupKey: legacyKey };
    const openIncidents = Object.fromEntries(range(0, 2).map((n) => [`iiq-leaver-sla-id${n}`, incident(n, [AD], legacyKey)]));
    const joined = planStorms({
      decisions: [trigger(7, [AD])],
      openIncidents,
      openStorms: { [legacyKey]: legacyStorm },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(joined.storms.map((s) => [s.action, s.storm.dedupKey])).toEqual([['retrigger', legacyKey]]);
    const resolves: Decision[] = range(0, 2).map((n) => ({
      action: 'resolve',
      reason: 'accounts disabled',
      incident: openIncidents[`iiq-leaver-sla-id${n}`]!,
    }));
    const done = planStorms({
      decisions: resolves,
      openIncidents,
      openStorms: { [legacyKey]: legacyStorm },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(done.storms.map((s) => [s.action, s.storm.dedupKey])).toEqual([['resolve', legacyKey]]);
  });

  it('an application incident whose last trigger was never confirmed (killed run) is re-sent', () => {
    const openIncidents = { 'iiq-leaver-sla-id1': incident(1, [AD], AD_KEY) };
    const plan = planStorms({
      decisions: [],
      openIncidents,
      openStorms: { [AD_KEY]: { ...openStorm(1), unconfirmed: true } },
      threshold: 25,
      nowMs: NOW,
      renotifyMinutes: 240,
    });
    expect(plan.storms.map((s) => [s.action, s.reason])).toEqual([['retrigger', 'previous delivery unconfirmed']]);
  });
});
