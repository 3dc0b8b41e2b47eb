import { describe, expect, it } from 'vitest';
import { policyFrom } from '../../../src/cycle/observe.js';
import { runCycle } from '../../../src/cycle/run-cycle.js';
import { narrateLeaver } from '../../../src/sandbox/narrate-leaver.js';
import { identityDedupKey } from '../../../src/sla/incident.js';
import { parseExceptions } from '../../../src/sla/account-policy.js';
import { NOW, NOW_MS } from '../../helpers/clock.js';
import { cycleInput, fakeConfig, fakeSender, fakeSource, leaver, type FakePerson } from '../../helpers/fake-cycle.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const enabled = (application: string) => ({ application, status: 'enabled' }) as const;

// Each leaver is one the old narration (its own copy of the rules) told wrongly.
const people: FakePerson[] = [
  // Salesforce has 48 h of grace: 10 h after leaving, only the other application is overdue.
  { identity: leaver('grace-only', NOW_MS, 10), accounts: [enabled('Salesforce')] },
  { identity: leaver('grace-and-ad', NOW_MS, 10), accounts: [enabled('Salesforce'), enabled('Active Directory')] },
  // An approved exception keeps Active Directory from counting.
  { identity: leaver('excepted', NOW_MS, 20), accounts: [enabled('Active Directory')] },
  // The tier is matched without regard to case: PRIVILEGED has the privileged tier's 4 h.
  { identity: leaver('upper-tier', NOW_MS, 5, { risk_tier: 'PRIVILEGED' }), accounts: [enabled('Active Directory')] },
  // A date without an offset is read in leaver.timezone: 20:00 in New York is 01:00 UTC, 11 h before noon UTC (16 h if read as UTC).
  {
    identity: leaver('zoned', NOW_MS, undefined, { hrTerminationDate: '2026-11-23T20:00:00' }),
    accounts: [enabled('Active Directory')],
  },
];

describe('the sandbox narration', () => {
  it('says paged exactly for the leavers a run pages, with the rules of the run (grace, exception, tier case, time zone)', async () => {
    const dir = makeTempDir('watchdog-narrate-');
    const config = fakeConfig(dir, {
      applicationSlaHours: { Salesforce: 48 },
      leaver: {
        terminationDateAttribute: 'hrTerminationDate',
        tierAttribute: 'risk_tier',
        defaultTier: 'standard',
        timezone: 'America/New_York',
      },
    });
    const exceptions = parseExceptions(
      [{ identity: 'excepted', applications: ['Active Directory'], until: '2026-12-20', reason: 'legal hold', approvedBy: 'ciso' }],
      NOW_MS,
      config.leaver.timezone,
      'exceptions.json',
    );
    const sender = fakeSender();
    await runCycle({ ...cycleInput(config, fakeSource(people), sender, NOW), exceptions });
    const paged = new Set(sender.events.filter((e) => e.event_action === 'trigger').map((e) => e.dedup_key));

    const narrations = people.map(({ identity, accounts }) =>
      narrateLeaver(
        identity,
        accounts as never,
        policyFrom(config),
        { applicationSlaHours: config.applicationSlaHours, exceptions },
        NOW_MS,
      ),
    );
    const byName = Object.fromEntries(narrations.map((n) => [n.name, n]));
    for (const { identity } of people) expect(byName[identity.name]?.paged, identity.name).toBe(paged.has(identityDedupKey(identity.id)));

    expect(byName['user-grace-only']).toMatchObject({
      paged: false,
      reason: expect.stringMatching(/^within application grace: Salesforce/),
    });
    expect(byName['user-grace-and-ad']).toMatchObject({ paged: true, reason: expect.stringMatching(/still enabled: Active Directory \(/) });
    expect(byName['user-excepted']).toMatchObject({
      paged: false,
      reason: expect.stringMatching(/^exception approved for Active Directory/),
    });
    expect(byName['user-upper-tier']).toMatchObject({ paged: true, reason: expect.stringMatching(/privileged SLA 4 h/) });
    expect(byName['user-zoned']).toMatchObject({ paged: true, reason: expect.stringMatching(/left 11\.0 h ago, standard SLA 8 h/) });
  });
});
