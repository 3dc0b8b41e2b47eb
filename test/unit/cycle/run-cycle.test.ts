/** runCycle end to end in memory: a fake source and a fake sender, no HTTP, a temp folder for the state. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCycle } from '../../../src/cycle/run-cycle.js';
import { ExitCode } from '../../../src/errors.js';
import { HOUR_MS, NOW, NOW_MS } from '../../helpers/clock.js';
import { cycleInput, fakeConfig, fakeSender, fakeSource, leaver, readStateFile, type FakePerson } from '../../helpers/fake-cycle.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const AD = { application: 'Active Directory', status: 'enabled' } as const;
const SF = { application: 'Salesforce', status: 'enabled' } as const;
const AD_OFF = { application: 'Active Directory', status: 'disabled' } as const;
const later = (hours: number): Date => new Date(NOW_MS + hours * HOUR_MS);

function setup(people: FakePerson[], overrides: Record<string, unknown> = {}) {
  const dir = makeTempDir('watchdog-run-cycle-');
  const config = fakeConfig(dir, overrides);
  const source = fakeSource(people);
  const sender = fakeSender();
  const run = (now: Date = NOW) => runCycle(cycleInput(config, source, sender, now));
  return { dir, config, source, sender, run };
}

describe('runCycle with a fake source and sender', () => {
  it('triggers a leaver past SLA, records the incident, and re-triggers when the applications change', async () => {
    const jane: FakePerson = { identity: leaver('id1', NOW_MS, 5, { risk_tier: 'privileged' }), accounts: [AD] };
    const { dir, sender, run } = setup([jane]);
    const first = await run();
    expect(first.exitCode).toBe(ExitCode.ok);
    expect(first.summary).toMatchObject({ triggered: 1, pastSla: 1, inactiveListed: 1, linksFetched: 1, openIncidents: 1 });
    expect(sender.events.map((e) => e.event_action)).toEqual(['trigger']);
    expect(readStateFile(dir).incidents['iiq-leaver-sla-id1']).toMatchObject({ activeApplications: ['Active Directory'] });

    jane.accounts = [AD, SF];
    const second = await run(later(0.25));
    expect(second.summary).toMatchObject({ retriggered: 1, triggered: 0 });
    expect(readStateFile(dir).incidents['iiq-leaver-sla-id1']).toMatchObject({ activeApplications: ['Active Directory', 'Salesforce'] });
  });

  it('resolves once the accounts are disabled', async () => {
    const jane: FakePerson = { identity: leaver('id1', NOW_MS, 5, { risk_tier: 'privileged' }), accounts: [AD] };
    const { dir, sender, run } = setup([jane]);
    await run();
    jane.accounts = [AD_OFF];
    const outcome = await run(later(0.25));
    expect(outcome.summary).toMatchObject({ resolved: 1, openIncidents: 0 });
    expect(sender.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(readStateFile(dir).incidents).toEqual({});
  });

  it('holds an open incident whose accounts could not be read (exit 3), and resolves nothing', async () => {
    const jane: FakePerson = { identity: leaver('id1', NOW_MS, 5, { risk_tier: 'privileged' }), accounts: [AD] };
    const { dir, sender, run } = setup([jane]);
    await run();
    jane.accounts = 'fail';
    const outcome = await run(later(0.25));
    expect(outcome.exitCode).toBe(ExitCode.sourceRead);
    expect(outcome.summary).toMatchObject({ held: 1, resolved: 0, openIncidents: 1 });
    expect(sender.events).toHaveLength(1);
    expect(Object.keys(readStateFile(dir).incidents)).toEqual(['iiq-leaver-sla-id1']);
  });

  it('an incomplete listing holds the incidents it did not reach (exit 3)', async () => {
    const people: FakePerson[] = ['a', 'b', 'c'].map((id) => ({ identity: leaver(id, NOW_MS, 9), accounts: [AD] }));
    const { source, run } = setup(people);
    expect((await run()).summary).toMatchObject({ triggered: 3 });
    for (const person of people) person.accounts = [AD_OFF];
    source.failListingAfterPages = 1;
    const outcome = await run(later(0.25));
    expect(outcome.exitCode).toBe(ExitCode.sourceRead);
    // a and b were on the page read: remediated; c was not reached: held, not resolved.
    expect(outcome.summary).toMatchObject({ resolved: 2, held: 1, openIncidents: 1 });
  });

  it('a dry run prints what it would send and writes no state', async () => {
    const { dir, config, source } = setup([{ identity: leaver('id1', NOW_MS, 9), accounts: [AD] }]);
    const stdout: string[] = [];
    const outcome = await runCycle(cycleInput(config, source, undefined, NOW, stdout));
    expect(outcome.summary).toMatchObject({ dryRun: true, triggered: 1 });
    expect(stdout.map((line) => (JSON.parse(line) as { action: string }).action)).toEqual(['trigger']);
    expect(existsSync(join(dir, 'watchdog-state.json'))).toBe(false);
  });

  it('a storm (more breaches than storm.threshold) pages one storm event, not one per identity', async () => {
    const people: FakePerson[] = ['a', 'b', 'c', 'd'].map((id) => ({ identity: leaver(id, NOW_MS, 9), accounts: [AD] }));
    const { sender, run } = setup(people, { storm: { threshold: 3 } });
    const outcome = await run();
    expect(outcome.exitCode).toBe(ExitCode.ok);
    expect(sender.events).toHaveLength(1);
    expect(sender.events[0]?.dedup_key).not.toMatch(/^iiq-leaver-sla-[abcd]$/);
  });
});

describe('values from the source are data', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a tier valued %s is an unknown tier: the default tier pages',
    async (tier) => {
      const { sender, run } = setup([{ identity: leaver('id1', NOW_MS, 9, { risk_tier: tier }), accounts: [AD] }]);
      expect((await run()).summary).toMatchObject({ triggered: 1 });
      expect(sender.events[0]?.payload?.custom_details).toMatchObject({ tier: 'standard', sla_hours: 8 });
    },
  );

  it.each(['constructor', 'valueOf', '__proto__', 'hasOwnProperty'])(
    'an identity id %s without a termination date: first seen is stored, and it pages once past SLA',
    async (id) => {
      const { dir, sender, run } = setup([{ identity: leaver(id, NOW_MS, undefined), accounts: [AD] }]);
      await run();
      expect(Object.hasOwn(readStateFile(dir).firstSeenInactive, id)).toBe(true);
      expect(readStateFile(dir).firstSeenInactive[id]).toBe(NOW.toISOString());
      expect((await run(later(9))).summary).toMatchObject({ triggered: 1 });
      expect(sender.events[0]?.payload?.custom_details).toMatchObject({ identity_id: id, termination_date: NOW.toISOString() });
    },
  );
});

describe('a termination date that vanishes', () => {
  it('keeps the instant the incident was opened with; only a valid future instant resolves', async () => {
    const jane: FakePerson = { identity: leaver('id1', NOW_MS, 5, { risk_tier: 'privileged' }), accounts: [AD] };
    const { dir, sender, run } = setup([jane]);
    await run();
    const opened = readStateFile(dir).incidents['iiq-leaver-sla-id1']?.terminationDate;
    for (const glitch of [undefined, 'not a date', '']) {
      jane.identity = { ...jane.identity, attributes: { risk_tier: 'privileged', hrTerminationDate: glitch } };
      const outcome = await run(later(0.25));
      expect(outcome.summary).toMatchObject({ resolved: 0, openIncidents: 1 });
      expect(readStateFile(dir).incidents['iiq-leaver-sla-id1']?.terminationDate).toBe(opened);
    }
    jane.identity = { ...jane.identity, attributes: { risk_tier: 'privileged', hrTerminationDate: later(48).toISOString() } };
    expect((await run(later(0.5))).summary).toMatchObject({ resolved: 1, openIncidents: 0 });
    expect(sender.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });
});
