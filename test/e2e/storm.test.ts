/** Storm control through the built CLI: a 60-identity single-connector outage pages at most twice and resolves fully. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { applicationDedupKey } from '../../src/sla/incident.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';

// `iiq-leaver-sla-app-<slug>-<8 hex of sha256 of the name>` (was `iiq-leaver-sla-app-active-directory` before 0.2).
const AD_KEY = applicationDedupKey('Active Directory');

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;

function leaver(n: number, applications: string[]): FakeIdentity {
  return {
    id: `id${String(n).padStart(3, '0')}`,
    name: `leaver${String(n).padStart(3, '0')}`,
    displayName: `Leaver ${n}`,
    inactive: true,
    attributes: { hrTerminationDate: new Date(NOW.getTime() - 10 * 3_600_000).toISOString(), risk_tier: 'standard' },
    links: applications.map((application) => ({
      id: `${n}-${application}`,
      application,
      nativeIdentity: `CN=Leaver ${n}`,
      displayName: `leaver${n}`,
      disabled: false,
    })),
  };
}

beforeEach(async () => {
  dir = makeTempDir('watchdog-storm-');
  const identities = [
    ...Array.from({ length: 59 }, (_, n) => leaver(n, ['Active Directory'])),
    leaver(59, ['Active Directory', 'Salesforce']),
  ];
  iiq = await startFakeIiq({ identities, username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
});

it('a 60-identity Active Directory outage: one application incident plus one own incident, all resolved once disabled', async () => {
  const config = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      iiq: { baseUrl: iiq.url, pageSize: 25, concurrency: 8, retryMinDelayMs: 10 },
      storm: { threshold: 25 },
    },
  );
  const run = (minutes: number) =>
    runCli(['run', '--config', config, '--now', new Date(NOW.getTime() + minutes * 60_000).toISOString()], {
      cwd: dir,
      env: { ...DEMO_ENV },
    });

  expect((await run(0)).code).toBe(0);
  const opened = pagerDuty.accepted();
  expect(opened.map((e) => [e.event_action, e.dedup_key]).sort()).toEqual([
    ['trigger', AD_KEY],
    ['trigger', 'iiq-leaver-sla-id059'],
  ]);
  const storm = opened.find((e) => e.dedup_key === AD_KEY);
  expect(storm.payload.summary).toContain('59 leavers past SLA still have active accounts in Active Directory');
  expect(storm.payload.custom_details).toMatchObject({ application: 'Active Directory', identity_count: 59, identity_names_omitted: 39 });
  expect(storm.payload.custom_details.identity_names).toHaveLength(20);
  const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));
  expect(Object.values(state.incidents).filter((i: any) => i.coveredBy === AD_KEY)).toHaveLength(59);
  expect(Object.keys(state.storms)).toEqual([AD_KEY]);

  // Nothing changes: nothing is re-sent.
  expect((await run(15)).code).toBe(0);
  expect(pagerDuty.received).toHaveLength(2);

  for (const identity of iiq.identities) for (const link of identity.links) link.disabled = true;
  expect((await run(30)).code).toBe(0);
  expect(
    pagerDuty
      .accepted()
      .slice(2)
      .map((e) => [e.event_action, e.dedup_key])
      .sort(),
  ).toEqual([
    ['resolve', AD_KEY],
    ['resolve', 'iiq-leaver-sla-id059'],
  ]);
  const after = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));
  expect(after.incidents).toEqual({});
  expect(after.storms).toEqual({});
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(audit.filter((a) => a.event_action === 'trigger')).toHaveLength(60);
  expect(audit.filter((a) => a.event_action === 'resolve')).toHaveLength(60);
  expect(audit.filter((a) => a.covered_by === AD_KEY)).toHaveLength(118);
});
