/** applyDelivery / applyUnconfirmed: what a delivered (or maybe-delivered) event does to the state. Pure, table-driven. */
import { describe, expect, it } from 'vitest';
import type { HealthState } from '../../../src/sla/health.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import type { IncidentFacts, StateChange } from '../../../src/sla/state-change.js';
import type { OpenStorm } from '../../../src/sla/storm.js';
import { applyDelivery, applyUnconfirmed, type DeliveryBook } from '../../../src/state/journal.js';
import { userFacts } from '../../helpers/sla-fixtures.js';
import type { AuditRecord } from '../../../src/state/audit-log.js';

const T1 = '2026-11-24T12:00:00.000Z';
const T2 = '2026-11-24T13:00:00.000Z';
const HEALTHY: HealthState = { consecutiveFailures: 0, lastError: undefined, incidentOpen: false };
const STORM_KEY = 'iiq-leaver-sla-app-active-directory-d66e1482';

const facts = (n: number, applications?: string[]): IncidentFacts => userFacts(n, applications);
const open = (n: number, extra: Partial<OpenIncident> = {}): OpenIncident => ({
  ...facts(n),
  firstSentAt: '2026-11-24T09:00:00.000Z',
  lastSentAt: '2026-11-24T09:00:00.000Z',
  ...extra,
});
const storm = (extra: Partial<OpenStorm> = {}): OpenStorm => ({
  dedupKey: STORM_KEY,
  application: 'Active Directory',
  severity: 'warning',
  identityCount: 2,
  firstSentAt: '2026-11-24T09:00:00.000Z',
  lastSentAt: '2026-11-24T09:00:00.000Z',
  ...extra,
});
const book = (incidents: OpenIncident[] = [], storms: OpenStorm[] = [], health = HEALTHY): DeliveryBook => ({
  incidents: Object.fromEntries(incidents.map((i) => [i.dedupKey, i])),
  storms: Object.fromEntries(storms.map((s) => [s.dedupKey, s])),
  health,
});

describe('applyDelivery', () => {
  it('a first trigger opens the incident (first and last sent at the delivery) and audits it', () => {
    const change: StateChange = { kind: 'incident-open', reason: 'first breach', incident: facts(1), audit: true };
    const { book: after, audit } = applyDelivery(book(), change, T1);
    expect(after.incidents['iiq-leaver-sla-id1']).toEqual({ ...facts(1), firstSentAt: T1, lastSentAt: T1 });
    expect(audit).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        reason: 'first breach',
        dedup_key: 'iiq-leaver-sla-id1',
        sent_at: T1,
        severity: 'warning',
      }),
    ]);
  });

  it('a re-trigger keeps the first-sent instant, drops a stale coverage and a stale unconfirmed mark', () => {
    const before = book([open(1, { coveredBy: STORM_KEY, unconfirmed: true })]);
    const change: StateChange = {
      kind: 'incident-open',
      reason: 'active applications changed',
      incident: facts(1, ['Active Directory', 'GitHub']),
      audit: true,
    };
    const incident = applyDelivery(before, change, T2).book.incidents['iiq-leaver-sla-id1'];
    expect(incident).toEqual({ ...facts(1, ['Active Directory', 'GitHub']), firstSentAt: '2026-11-24T09:00:00.000Z', lastSentAt: T2 });
  });

  it('a quiet update under an application incident keeps its coverage and writes no audit line', () => {
    const change: StateChange = {
      kind: 'incident-open',
      reason: 'severity escalated',
      incident: { ...facts(1), severity: 'error' },
      coveredBy: STORM_KEY,
      audit: false,
    };
    const { book: after, audit } = applyDelivery(book([open(1, { coveredBy: STORM_KEY })]), change, T2);
    expect(after.incidents['iiq-leaver-sla-id1']).toMatchObject({ severity: 'error', coveredBy: STORM_KEY, lastSentAt: T2 });
    expect(audit).toEqual([]);
  });

  it("a resolve closes the incident and audits breach and open minutes from the state's record", () => {
    const change: StateChange = {
      kind: 'incident-close',
      reason: 'accounts disabled',
      dedupKey: 'iiq-leaver-sla-id1',
      incident: open(1, { firstSentAt: T1 }),
    };
    const { book: after, audit } = applyDelivery(book([open(1)]), change, T2);
    expect(after.incidents).toEqual({});
    // Deadline 08:00, resolved 13:00: 300 minutes; open since 09:00 (the state's record, not the carried one): 240.
    expect(audit).toEqual([
      expect.objectContaining({ event_action: 'resolve', reason: 'accounts disabled', breach_minutes: 300, open_minutes: 240 }),
    ]);
  });

  it('a resolve the state no longer knows uses the incident it carries; with neither, no audit line', () => {
    const carried: StateChange = {
      kind: 'incident-close',
      reason: 'dead-letter replay',
      dedupKey: 'iiq-leaver-sla-id1',
      incident: open(1),
    };
    expect(applyDelivery(book(), carried, T2).audit).toEqual([
      expect.objectContaining({ dedup_key: 'iiq-leaver-sla-id1', open_minutes: 240 }),
    ]);
    expect(applyDelivery(book(), { kind: 'incident-close', reason: 'x', dedupKey: 'iiq-leaver-sla-id1' }, T2).audit).toEqual([]);
  });

  it('a quiet resolve of a covered identity names the application incident in its audit line', () => {
    const change: StateChange = {
      kind: 'incident-close',
      reason: 'accounts disabled',
      dedupKey: 'iiq-leaver-sla-id1',
      incident: open(1, { coveredBy: STORM_KEY }),
      coveredBy: STORM_KEY,
    };
    expect(applyDelivery(book([open(1, { coveredBy: STORM_KEY })]), change, T2).audit).toEqual([
      expect.objectContaining({ event_action: 'resolve', covered_by: STORM_KEY }),
    ]);
  });

  it('an application trigger opens it and records and audits every identity it takes over', () => {
    const change: StateChange = {
      kind: 'storm-open',
      storm: { dedupKey: STORM_KEY, application: 'Active Directory', severity: 'warning', identityCount: 2 },
      cover: [1, 2].map((n) => ({ reason: `first breach (paged through ${STORM_KEY})`, incident: facts(n) })),
    };
    const { book: after, audit } = applyDelivery(book(), change, T1);
    expect(after.storms[STORM_KEY]).toEqual(storm({ firstSentAt: T1, lastSentAt: T1 }));
    expect(Object.values(after.incidents).map((i) => [i.dedupKey, i.coveredBy])).toEqual([
      ['iiq-leaver-sla-id1', STORM_KEY],
      ['iiq-leaver-sla-id2', STORM_KEY],
    ]);
    expect(audit.map((a) => [a.dedup_key, (a as AuditRecord).covered_by, a.reason])).toEqual([
      ['iiq-leaver-sla-id1', STORM_KEY, `first breach (paged through ${STORM_KEY})`],
      ['iiq-leaver-sla-id2', STORM_KEY, `first breach (paged through ${STORM_KEY})`],
    ]);
  });

  it('an application resolve closes it; health changes set whether the health incident is open', () => {
    expect(applyDelivery(book([], [storm()]), { kind: 'storm-close', dedupKey: STORM_KEY }, T2).book.storms).toEqual({});
    const failing: HealthState = { consecutiveFailures: 3, lastError: 'x', incidentOpen: false };
    expect(applyDelivery(book([], [], failing), { kind: 'health', incidentOpen: true }, T2).book.health).toEqual({
      ...failing,
      incidentOpen: true,
    });
  });

  it('never changes the book it is given', () => {
    const before = book([open(1)], [storm()]);
    const snapshot = structuredClone(before);
    for (const change of [
      { kind: 'incident-open', reason: 'r', incident: facts(2), audit: true },
      { kind: 'incident-close', reason: 'r', dedupKey: 'iiq-leaver-sla-id1' },
      {
        kind: 'storm-open',
        storm: { dedupKey: STORM_KEY, application: 'Active Directory', severity: 'error', identityCount: 3 },
        cover: [{ reason: 'r', incident: facts(3) }],
      },
      { kind: 'storm-close', dedupKey: STORM_KEY },
      { kind: 'health', incidentOpen: true },
    ] satisfies StateChange[]) {
      applyDelivery(before, change, T2);
      applyUnconfirmed(before, change, T2);
    }
    expect(before).toEqual(snapshot);
  });
});

describe('applyUnconfirmed (a killed run never learnt the answer)', () => {
  it('a trigger: the incident is kept open, marked unconfirmed, with the last confirmed send instant', () => {
    const first = applyUnconfirmed(book(), { kind: 'incident-open', reason: 'first breach', incident: facts(1), audit: true }, T1);
    expect(first.incidents['iiq-leaver-sla-id1']).toEqual({ ...facts(1), firstSentAt: T1, lastSentAt: T1, unconfirmed: true });
    const again = applyUnconfirmed(
      book([open(1)]),
      { kind: 'incident-open', reason: 'severity escalated', incident: { ...facts(1), severity: 'error' }, audit: true },
      T2,
    );
    expect(again.incidents['iiq-leaver-sla-id1']).toMatchObject({
      severity: 'error',
      firstSentAt: '2026-11-24T09:00:00.000Z',
      lastSentAt: '2026-11-24T09:00:00.000Z',
      unconfirmed: true,
    });
  });

  it('a resolve, an application resolve, a health change: left as they were (re-sent by the next cycle if still due)', () => {
    const before = book([open(1)], [storm()], { consecutiveFailures: 3, lastError: 'x', incidentOpen: true });
    expect(applyUnconfirmed(before, { kind: 'incident-close', reason: 'r', dedupKey: 'iiq-leaver-sla-id1' }, T2)).toEqual(before);
    expect(applyUnconfirmed(before, { kind: 'storm-close', dedupKey: STORM_KEY }, T2)).toEqual(before);
    expect(applyUnconfirmed(before, { kind: 'health', incidentOpen: false }, T2)).toEqual(before);
  });

  it('an application trigger: kept open and unconfirmed, its identities recorded as covered', () => {
    const change: StateChange = {
      kind: 'storm-open',
      storm: { dedupKey: STORM_KEY, application: 'Active Directory', severity: 'warning', identityCount: 1 },
      cover: [{ reason: 'r', incident: facts(1) }],
    };
    const after = applyUnconfirmed(book(), change, T1);
    expect(after.storms[STORM_KEY]).toMatchObject({ unconfirmed: true, firstSentAt: T1 });
    expect(after.incidents['iiq-leaver-sla-id1']).toMatchObject({ coveredBy: STORM_KEY });
  });
});
