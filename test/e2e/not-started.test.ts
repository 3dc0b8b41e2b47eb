/**
 * Leavers that never started through the built CLI on the loopback fakes, over
 * IIQ SCIM, IIQ REST and ISC: a leaver still active 6 h after termination pages with
 * `leaver_stage: "not-started"`; one outside the lookback, rehired, or terminated in the future
 * does not; one incident follows the leaver through the stage change to its resolve; a refused
 * not-started listing is exit 3 and resolves nothing.
 *
 * The built CLI runs what only a process shows once per contract (the multi-cycle story and its
 * report per source; check, dry run and the refused listing over SCIM); the same scenarios over
 * the other sources, and the request counts, run the same command lines in this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakeIsc, type FakeIsc, type FakeIscIdentity } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { runCli, writeDemoConfig, type CliResult } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLinesOfFile, summaryOf } from '../helpers/cli-logs.js';

type Api = 'scim' | 'rest' | 'isc';

const HOUR_MS = 3_600_000;
const ago = (hours: number): string => new Date(NOW.getTime() - hours * HOUR_MS).toISOString();
const NORA_KEY = 'iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e';

function person(id: string, name: string, displayName: string, attributes: Record<string, unknown>, inactive = false): FakeIdentity {
  return {
    id,
    name,
    displayName,
    inactive,
    attributes: { risk_tier: 'privileged', ...attributes },
    links: ['Active Directory', 'Salesforce'].map((application) => ({
      id: `${id}-${application}`.replace(/\W+/g, '-').toLowerCase(),
      application,
      nativeIdentity: `CN=${displayName},OU=Staff,DC=corp,DC=example`,
      displayName: name,
      disabled: false,
    })),
  };
}

/**
 * Nora: still active 6 h after termination (privileged, SLA 4 h), two accounts enabled, last
 * refreshed before her termination. Otto: 40 days back (outside the 30-day lookback). Rita:
 * rehired an hour ago. Fred: terminates tomorrow. Irene: active with no termination date.
 */
function people(): FakeIdentity[] {
  return [
    person('5f60718293a4b5c6d7e8f90a1b2c3d4e', 'nnotstarted', 'Nora Notstarted', { hrTerminationDate: ago(6), lastRefresh: ago(30) }),
    person('60718293a4b5c6d7e8f90a1b2c3d4e5f', 'oold', 'Otto Old', { hrTerminationDate: ago(40 * 24) }),
    person('718293a4b5c6d7e8f90a1b2c3d4e5f60', 'rrehired', 'Rita Rehired', { hrTerminationDate: ago(6), rehireDate: ago(1) }),
    person('8293a4b5c6d7e8f90a1b2c3d4e5f6071', 'ffuture', 'Fred Future', {
      hrTerminationDate: new Date(NOW.getTime() + 24 * HOUR_MS).toISOString(),
    }),
    person('93a4b5c6d7e8f90a1b2c3d4e5f607182', 'iactive', 'Irene Active', {}),
  ];
}

let dir: string;
let pagerDuty: FakePagerDuty;
let iiq: FakeIiq | undefined;
let isc: FakeIsc | undefined;
let refuseNotStarted = false;
/** What the fakes were asked: IIQ filters as decoded, ISC search bodies. */
let asked: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-not-started-'));
  refuseNotStarted = false;
  asked = [];
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([iiq?.close(), isc?.close(), pagerDuty.close()]);
  iiq = undefined;
  isc = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (api: Api): FakeResponse =>
  api === 'isc'
    ? {
        status: 400,
        body: JSON.stringify({
          detailCode: '400.1 Bad request content',
          trackingId: 't1',
          messages: [{ locale: 'en-US', text: 'bad filter' }],
        }),
        headers: { 'content-type': 'application/json' },
      }
    : {
        status: 400,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          scimType: 'invalidFilter',
          detail: 'Invalid filter: attribute not searchable',
          status: '400',
        }),
        headers: { 'content-type': 'application/scim+json' },
      };

/** The fakes of one API, serving `people()`; the not-started request is refused while `refuseNotStarted`. */
async function start(
  api: Api,
): Promise<{ setInactive: (name: string) => void; remediate: (name: string) => void; requests: () => number }> {
  if (api === 'isc') {
    isc = await startFakeIsc({
      identities: toIscIdentities(people()),
      rateLimit: false,
      fault: ({ path, body }) => {
        if (path === '/v3/search') asked.push(body);
        return refuseNotStarted && body.includes('"NOT ') ? refusal(api) : undefined;
      },
    });
    const find = (name: string): FakeIscIdentity => isc!.identities.find((identity) => identity.name === name)!;
    return {
      setInactive: (name) => (find(name).attributes.cloudLifecycleState = 'inactive'),
      remediate: (name) => find(name).accounts.forEach((account) => (account.disabled = true)),
      requests: () => isc!.stats.requests,
    };
  }
  iiq = await startFakeIiq({
    identities: people(),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ query }) => {
      const filter = query.get('filter') ?? '';
      if (filter) asked.push(filter);
      return refuseNotStarted && (filter.startsWith('active eq true') || filter.startsWith('inactive==false')) ? refusal(api) : undefined;
    },
  });
  const find = (name: string): FakeIdentity => iiq!.identities.find((identity) => identity.name === name)!;
  return {
    setInactive: (name) => (find(name).inactive = true),
    remediate: (name) => find(name).links.forEach((link) => (link.disabled = true)),
    requests: () => iiq!.stats.requests,
  };
}

function writeConfig(api: Api, leaver: Record<string, unknown> = {}): string {
  const leaverSection = {
    terminationDateAttribute: 'hrTerminationDate',
    tierAttribute: 'risk_tier',
    defaultTier: 'standard',
    timezone: 'UTC',
    rehireDateAttribute: 'rehireDate',
    ...leaver,
  };
  const common = { leaver: leaverSection, storm: { threshold: 1000 } };
  const overrides =
    api === 'isc'
      ? iscConfigOverrides(isc!.url, {}, common)
      : { iiq: { baseUrl: iiq!.url, api, pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10, retries: 0 }, ...common };
  const url = api === 'isc' ? isc!.url : iiq!.url;
  return writeDemoConfig(dir, { iiq: url, pagerDuty: pagerDuty.url }, overrides);
}

const envOf = (api: Api): Record<string, string> => ({ ...(api === 'isc' ? ISC_DEMO_ENV : DEMO_ENV) });

type Exec = (args: readonly string[], options: { cwd: string; env: Record<string, string> }) => Promise<CliResult>;

function run(api: Api, minutes: number, leaver: Record<string, unknown> = {}, args: string[] = [], exec: Exec = runCli) {
  return exec(['run', '--config', writeConfig(api, leaver), '--now', at(minutes), ...args], { cwd: dir, env: envOf(api) });
}

const triggers = () => pagerDuty.accepted().filter((event) => event.event_action === 'trigger');
const audit = () => jsonLinesOfFile(join(dir, 'audit.jsonl')).filter((line) => line.event_action !== 'exception');

describe.each<Api>(['scim', 'rest', 'isc'])('not-started leavers over %s', (api) => {
  const sourceName = api === 'isc' ? 'Identity Security Cloud' : 'IdentityIQ';
  /** The built CLI for one source, in this process for the others: the same command lines either way. */
  const onceThroughCli: Exec = api === 'scim' ? runCli : runCliInProcess;

  it('pages only the leaver still active past SLA, and follows her incident through the stage change to its resolve', async () => {
    const fake = await start(api);
    const first = await run(api, 0);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryOf(first.stderr)).toMatchObject({ notStartedListed: 1, triggered: 1 });
    expect(triggers().map((event) => event.dedup_key)).toEqual([NORA_KEY]);
    const [event] = triggers();
    expect(event.payload.summary).toBe(
      `Leaver not started: Nora Notstarted is still active in ${sourceName} 6.0h after termination; 2 accounts enabled (privileged SLA 4h)`,
    );
    expect(event.payload.custom_details).toMatchObject({
      leaver_stage: 'not-started',
      active_applications: ['Active Directory', 'Salesforce'],
    });
    if (api === 'scim') {
      expect(event.payload.custom_details).toMatchObject({ last_refresh: ago(30), refreshed_since_termination: false });
    } else {
      expect(event.payload.custom_details).not.toHaveProperty('last_refresh');
    }

    // The refresh finally runs: IIQ (or ISC) shows her inactive; same incident, new stage.
    fake.setInactive('nnotstarted');
    const second = await run(api, 15);
    expect(second.code, second.stderr).toBe(0);
    expect(triggers()).toHaveLength(2);
    expect(triggers()[1]).toMatchObject({ dedup_key: NORA_KEY, payload: { custom_details: { leaver_stage: 'started' } } });
    expect(triggers()[1].payload.summary).toMatch(/^Leaver SLA breach: Nora Notstarted has 2 active accounts/);

    fake.remediate('nnotstarted');
    const third = await run(api, 30);
    expect(third.code, third.stderr).toBe(0);
    expect(
      pagerDuty
        .accepted()
        .filter((event) => event.event_action === 'resolve')
        .map((event) => event.dedup_key),
    ).toEqual([NORA_KEY]);
    expect(audit().map((line) => `${line.event_action}:${line.reason}:${line.leaver_stage}`)).toEqual([
      'trigger:first breach:not-started',
      'trigger:leaver stage changed:started',
      'resolve:accounts disabled:started',
    ]);

    const config = join(dir, 'config.json');
    const env = envOf(api);
    const report = await onceThroughCli(['report', '--config', config, '--format', 'json'], { cwd: dir, env });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).stages).toMatchObject({ 'not-started': { breaches: 1, resolved: 1 } });
    const csv = await onceThroughCli(['report', '--config', config, '--format', 'csv'], { cwd: dir, env });
    expect(csv.stdout).toMatch(/^stage,not-started,1,0,1,/m);
  });

  it('check says the listing works and how many it finds, or how to fix it; the dry run shows the stage', async () => {
    await start(api);
    const check = async (): Promise<Record<string, any>> => {
      const result = await onceThroughCli(['check', '--config', writeConfig(api), '--format', 'json'], { cwd: dir, env: envOf(api) });
      return { code: result.code, ...(JSON.parse(result.stdout) as { notStarted: object }) };
    };
    // check runs at the wall clock: Nora's termination (fixed in 2026-11) may lie outside the lookback by then, so only the shape is asserted.
    const works = await check();
    expect(works.notStarted).toMatchObject({ enabled: true, ok: true, identitiesRead: 4, complete: true });
    refuseNotStarted = true;
    const refused = await check();
    expect(refused.code).toBe(3);
    expect(refused.notStarted).toMatchObject({
      enabled: true,
      ok: false,
      fix: expect.stringMatching(/searchable.*notStartedLookbackDays to 0/),
    });
    refuseNotStarted = false;

    const dryRun = await run(api, 0, {}, ['--dry-run'], onceThroughCli);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const planned = dryRun.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(planned).toMatchObject([{ action: 'trigger', dedup_key: NORA_KEY, leaver_stage: 'not-started' }]);
  });

  it('a refused not-started listing is exit 3, says how to fix it, and resolves nothing', async () => {
    const fake = await start(api);
    expect((await run(api, 0, {}, [], onceThroughCli)).code).toBe(0);
    // Her accounts are disabled, but the listing that would show her fails: nothing may be resolved on that.
    fake.remediate('nnotstarted');
    refuseNotStarted = true;
    const failed = await run(api, 15, {}, [], onceThroughCli);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/not-started leaver listing failed/);
    expect(failed.stderr).toMatch(/HTTP 400/);
    expect(failed.stderr).toMatch(/searchable/);
    expect(failed.stderr).toMatch(/notStartedLookbackDays to 0/);
    expect(pagerDuty.accepted().filter((event) => event.event_action === 'resolve')).toEqual([]);

    // With the listing turned off the blind spot is accepted: the unlisted incident is looked up and resolved.
    refuseNotStarted = false;
    const off = await run(api, 30, { notStartedLookbackDays: 0 }, [], onceThroughCli);
    expect(off.code, off.stderr).toBe(0);
    expect(summaryOf(off.stderr)).toMatchObject({ notStartedListed: 0, resolved: 1 });
  });

  it('the not-started listing adds only its own pages', async () => {
    const fake = await start(api);
    const before = fake.requests();
    // Request counts are the cycle's logic, not the process's: in this process for every source.
    expect((await run(api, 0, { notStartedLookbackDays: 0 }, [], runCliInProcess)).code).toBe(0);
    const withoutListing = fake.requests() - before;
    rmSync(join(dir, 'watchdog-state.json'), { force: true });
    const between = fake.requests();
    expect((await run(api, 0, {}, [], runCliInProcess)).code).toBe(0);
    const withListing = fake.requests() - between;
    // Five active identities carry the attribute or not; at most four have it: two pages of two (ISC: pages of two, last short).
    const listingPages = api === 'isc' ? 3 : 2;
    // Plus Nora's account read (and, over SCIM, the Account schema read before the first account read).
    expect(withListing - withoutListing).toBe(listingPages + 1 + (api === 'scim' ? 1 : 0));
    // The requests as the contract writes them.
    if (api === 'scim') expect(asked).toContain('active eq true and urn:ietf:params:scim:schemas:sailpoint:1.0:User:hrTerminationDate pr');
    if (api === 'rest') expect(asked).toContain('inactive==false&&hrTerminationDate!=null');
    if (api === 'isc') {
      const notStarted = asked.map((body) => JSON.parse(body) as Record<string, any>).find((body) => body.query?.query?.startsWith('NOT '));
      expect(notStarted).toMatchObject({
        indices: ['identities'],
        query: { query: 'NOT attributes.cloudLifecycleState:(inactive)' },
        filters: { 'attributes.hrTerminationDate': { type: 'EXISTS' } },
        sort: ['id'],
      });
    }
  });
});
