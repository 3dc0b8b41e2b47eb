/**
 * Values from the source are data, never keys into the program's own objects: through the built
 * CLI against the loopback fake IIQ (npm run build first). Tier values and identity ids named
 * like Object.prototype's members page like any other; a termination date that vanishes while
 * an incident is open is not a remediation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
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
  it('tiers and identity ids named like prototype members page like any other', async () => {
    const ago = (hours: number) => new Date(T0 - hours * HOUR).toISOString();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...PROTOTYPE_NAMES), async (tier, id) => {
        rmSync(join(dir, 'watchdog-state.json'), { force: true });
        const before = triggers().length;
        // One with a tier named like a prototype member; one with such an id and no termination date.
        iiq.identities.splice(
          0,
          iiq.identities.length,
          leaver(`tier-${id}`, { hrTerminationDate: ago(9), risk_tier: tier }),
          leaver(id, {}),
        );
        expect(await cycle(T0)).toMatchObject({ triggered: 1 });
        const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { firstSeenInactive: Record<string, string> };
        expect(Object.hasOwn(state.firstSeenInactive, id)).toBe(true);
        expect(details(triggers()[before])).toMatchObject({ tier: 'standard', sla_hours: 8 });
        // Past the default tier's 8 h from first seen: the id without a date pages too.
        expect(await cycle(T0 + 9 * HOUR)).toMatchObject({ triggered: 1 });
        expect(details(triggers().at(-1))).toMatchObject({ identity_id: id, termination_date: new Date(T0).toISOString() });
      }),
      { numRuns: 3 },
    );
    // Each run is two CLI processes: on a loaded machine that is a few seconds each.
  }, 180_000);

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
  }, 60_000);
});
