/** decide() against clock steps and unconfirmed deliveries. Pure, fixed instants. */
import { describe, expect, it } from 'vitest';
import { observeAccountsUnderPolicy } from '../../../src/sla/account-policy.js';
import { HOLD_NOT_CONFIRMED, decide, type Observation } from '../../../src/sla/decide.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import { assessIdentity, type SlaPolicy } from '../../../src/sla/policy.js';
import { NOW_MS as NOW, HOUR_MS as HOUR } from '../../helpers/clock.js';
import { testPolicy, janeIncident } from '../../helpers/sla-fixtures.js';

const TERMINATED = NOW - 5 * HOUR; // privileged, SLA 4 h: past it by one hour at NOW
const policy: SlaPolicy = testPolicy({ excludedApplications: new Set() });

function observe(nowMs: number, terminatedMs = TERMINATED, applications = ['Active Directory']): Observation {
  const identity = {
    id: 'id1',
    name: 'jdoe',
    displayName: 'Jane Doe',
    inactive: true,
    attributes: { hrTerminationDate: new Date(terminatedMs).toISOString(), risk_tier: 'privileged' },
  };
  const assessment = assessIdentity(identity, policy, nowMs, nowMs);
  const accounts = applications.map((application) => ({ application, status: 'enabled' as const }));
  return {
    identity,
    inactive: true,
    assessment,
    accounts: observeAccountsUnderPolicy(accounts, {
      identity,
      assessment,
      policy: { applicationSlaHours: {}, exceptions: [] },
      excludedApplications: policy.excludedApplications,
      nowMs,
    }),
  };
}

// TERMINATED is 5 h before NOW, as in janeIncident.
const open = (overrides: Partial<OpenIncident> = {}): OpenIncident => janeIncident(overrides);

function decideAt(nowMs: number, observation: Observation | undefined, incident: OpenIncident, previousEvaluatedAtMs?: number): string[] {
  return decide({
    observations: observation ? [observation] : [],
    listingComplete: true,
    openIncidents: { [incident.dedupKey]: incident },
    nowMs,
    renotifyMinutes: 240,
    previousEvaluatedAtMs,
  }).map((d) => `${d.action}: ${d.reason}`);
}

describe('clock steps', () => {
  it('not past SLA at an earlier instant, termination unchanged: held, not resolved', () => {
    const earlier = NOW - 2 * HOUR;
    expect(decideAt(earlier, observe(earlier), open())).toEqual([
      'hold: not past SLA at this instant although the termination instant is unchanged (clock stepped back?)',
    ]);
  });

  it('not past SLA because the termination instant moved (HR corrected it): resolved', () => {
    expect(decideAt(NOW, observe(NOW, NOW - HOUR), open())).toEqual(['resolve: no longer past SLA']);
  });

  it("an evaluation instant before the previous cycle's: every resolve becomes a hold", () => {
    const holdReason = "hold: evaluation instant earlier than the previous cycle's (clock stepped back?): not resolved";
    expect(decideAt(NOW, observe(NOW, TERMINATED, []), open(), NOW + 1)).toEqual([holdReason]);
    // An unlisted identity is never resolved by decide() alone (it is looked up first), step or not.
    expect(decideAt(NOW, undefined, open(), NOW + 1)).toEqual([`hold: ${HOLD_NOT_CONFIRMED}`]);
    // The same cycle at (or after) the previous instant resolves as usual.
    expect(decideAt(NOW, observe(NOW, TERMINATED, []), open(), NOW)).toEqual(['resolve: accounts disabled']);
  });

  it('a step back never re-triggers on its own (renotify counts from the last send, which is later)', () => {
    const earlier = NOW - 20 * 60_000;
    expect(decideAt(earlier, observe(earlier), open({ lastSentAt: new Date(NOW).toISOString() }), NOW)).toEqual([]);
  });
});

describe('unconfirmed deliveries (a killed run)', () => {
  it('an incident whose trigger was never confirmed is re-sent while the breach lasts', () => {
    expect(decideAt(NOW, observe(NOW), open({ unconfirmed: true }))).toEqual(['retrigger: previous delivery unconfirmed']);
  });

  it('and resolved once remediated, like any open incident', () => {
    expect(decideAt(NOW, observe(NOW, TERMINATED, []), open({ unconfirmed: true }))).toEqual(['resolve: accounts disabled']);
  });
});
