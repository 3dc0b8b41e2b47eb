/**
 * Values from the source are data, never keys into the program's own objects: through the built
 * CLI against the loopback fake IIQ (npm run build first). Tier values and identity ids named
 * like Object.prototype's members page like any other; a termination date that vanishes while
 * an incident is open is not a remediation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { summaryOf } from '../helpers/cli-logs.js';
import { HOUR_MS as HOUR } from '../helpers/clock.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-values-e2e-'));
  iiq = await startFakeIiq({ identities: [], username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
  writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { storm: { threshold: 1000 } });
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function leaver(id: string, attributes: Record<string, unknown>): FakeIdentity {
  return {
    id,
    name: `user-${id.replace(/\W/g, '')}`,
    displayName: `User ${id}`,
    inactive: true,
    attributes,
    links: [{ id: `link-${id}`, application: 'Active Directory', nativeIdentity: 'CN=x', displayName: 'x', disabled: false }],
  };
}

async function cycle(atMs: number): Promise<Record<string, unknown>> {
  const result = await runCli(['run', '--config', 'config.json', '--now', new Date(atMs).toISOString()], {
    cwd: dir,
    env: { ...DEMO_ENV },
  });
  expect(result.code, result.stderr).toBe(0);
  return summaryOf(result.stderr) as Record<string, unknown>;
}
const triggers = () => pagerDuty.accepted().filter((event) => event.event_action === 'trigger');
const details = (event: unknown) => (event as { payload: { custom_details: Record<string, unknown> } }).payload.custom_details;

describe('values from the source are data (built CLI, fake IIQ)', () => {
  // Every name at once in two CLI runs (a property over random pairs took two runs per pair).
  it('tiers and identity ids named like prototype members page like any other', async () => {
    const ago = (hours: number) => new Date(T0 - hours * HOUR).toISOString();
    // For each name: one leaver with a tier named like it; one with such an id and no termination date.
    for (const name of PROTOTYPE_NAMES)
      iiq.identities.push(leaver(`tier-${name}`, { hrTerminationDate: ago(9), risk_tier: name }), leaver(name, {}));
    expect(await cycle(T0)).toMatchObject({ triggered: PROTOTYPE_NAMES.length });
    const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { firstSeenInactive: Record<string, string> };
    for (const id of PROTOTYPE_NAMES) expect(Object.hasOwn(state.firstSeenInactive, id), id).toBe(true);
    const byTier = triggers();
    expect(byTier.map((event) => details(event).identity_id).sort()).toEqual(PROTOTYPE_NAMES.map((name) => `tier-${name}`).sort());
    for (const event of byTier) expect(details(event)).toMatchObject({ tier: 'standard', sla_hours: 8 });
    // Past the default tier's 8 h from first seen: the ids without a date page too.
    expect(await cycle(T0 + 9 * HOUR)).toMatchObject({ triggered: PROTOTYPE_NAMES.length });
    // (the tier leavers' incidents are re-notified in that cycle: 9 h is past renotifyMinutes)
    const byId = triggers()
      .slice(byTier.length)
      .filter((event) => !String(details(event).identity_id).startsWith('tier-'));
    expect(byId.map((event) => details(event).identity_id).sort()).toEqual([...PROTOTYPE_NAMES].sort());
    for (const event of byId) expect(details(event)).toMatchObject({ termination_date: new Date(T0).toISOString() });
  });

  it('a termination date that vanishes keeps the open incident; a valid future date resolves it', async () => {
    const jane = leaver('jane1', { hrTerminationDate: new Date(T0 - 9 * HOUR).toISOString(), risk_tier: 'standard' });
    iiq.identities.push(jane);
    expect(await cycle(T0)).toMatchObject({ triggered: 1 });
    delete jane.attributes.hrTerminationDate;
    expect(await cycle(T0 + 0.25 * HOUR)).toMatchObject({ resolved: 0, openIncidents: 1 });
    jane.attributes.hrTerminationDate = 'garbage';
    expect(await cycle(T0 + 0.5 * HOUR)).toMatchObject({ resolved: 0, openIncidents: 1 });
    jane.attributes.hrTerminationDate = new Date(T0 + 48 * HOUR).toISOString();
    expect(await cycle(T0 + 0.75 * HOUR)).toMatchObject({ resolved: 1, openIncidents: 0 });
  });
});
