/**
 * Processing requests for stalled leavers (opt-in `leaver.requestProcessing`) through the built
 * CLI on the loopback fakes: ISC batches at most 250 ids a request, an accepted request waits
 * 4 h before the next, a failed one is tried again next cycle without changing the exit code,
 * IIQ launches the refresh workflow with the nested LaunchedWorkflow body, and a dry run plans
 * without sending. Apart from these requests the watchdog writes nothing to the source.
 *
 * The built CLI runs one test per contract (a failed request's warning and exit 0, the dry run's
 * stdout, the IIQ workflow over SCIM, check's text over ISC); request counts, state, audit and
 * the other sources run the same command lines in this process (runCliInProcess).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_REFRESH_WORKFLOW, startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { iscError, startFakeIsc, type FakeIsc, type FakeIscIdentity } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides } from '../../src/sandbox/isc-scenario.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { HOUR_MS, NOW } from '../helpers/clock.js';
import { jsonLines, jsonLinesOfFile, summaryOf } from '../helpers/cli-logs.js';

const MIN_MS = 60_000;
const later = (ms: number): Date => new Date(NOW.getTime() + ms);
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const hex = (n: number): string => n.toString(16).padStart(32, '0');
const LEAVER_ON = { requestProcessing: true };

/** `count` ISC identities still active an hour after termination (within their 8 h SLA: no account reads). */
function stalledIsc(count: number, terminatedAgoMs = HOUR_MS): FakeIscIdentity[] {
  return Array.from({ length: count }, (_, i) => ({
    id: hex(i + 1),
    name: `stalled${i + 1}`,
    displayName: `Stalled ${i + 1}`,
    attributes: { cloudLifecycleState: 'active', hrTerminationDate: ago(terminatedAgoMs), risk_tier: 'standard' },
    accounts: [],
  }));
}

let dir: string;
let pagerDuty: FakePagerDuty;
let isc: FakeIsc | undefined;
let iiq: FakeIiq | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-processing-'));
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([pagerDuty.close(), isc?.close(), iiq?.close()]);
  isc = undefined;
  iiq = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function iscConfig(fake: FakeIsc, leaver: Record<string, unknown> = LEAVER_ON): string {
  return writeDemoConfig(
    dir,
    { iiq: fake.url, pagerDuty: pagerDuty.url },
    iscConfigOverrides(
      fake.url,
      { pageSize: 250, retries: 0 },
      { leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', defaultTier: 'standard', ...leaver } },
    ),
  );
}

/** One cycle in this process; `throughCli` runs the built CLI instead (a contract only a process shows). */
const runAt = (config: string, when: Date, env: Record<string, string>, extra: string[] = [], throughCli = false) =>
  (throughCli ? runCli : runCliInProcess)(['run', '--config', config, '--now', when.toISOString(), ...extra], { cwd: dir, env });

function processingAudit(): Record<string, unknown>[] {
  return jsonLinesOfFile(join(dir, 'audit.jsonl')).filter((line) => line.event_action === 'processing-requested');
}

describe('processing requests over ISC', () => {
  it('300 stalled leavers cost two requests (250 + 50); the next wait 4 h; nothing else is written to ISC', async () => {
    const nonGet = new Set<string>();
    isc = await startFakeIsc({
      identities: stalledIsc(300),
      rateLimit: false,
      fault: ({ method, path }) => {
        if (method !== 'GET') nonGet.add(`${method} ${path}`);
        return undefined;
      },
    });
    const config = iscConfig(isc);
    const first = await runAt(config, NOW, ISC_DEMO_ENV);
    expect(first.code, first.stderr).toBe(0);
    expect(isc.processRequests.map((ids) => ids.length)).toEqual([250, 50]);
    expect(new Set(isc.processRequests.flat()).size).toBe(300);
    expect(summaryOf(first.stderr)).toMatchObject({ processingRequested: 300, processingRequestFailures: 0, notStartedListed: 300 });
    const audit = processingAudit();
    expect(audit).toHaveLength(300);
    expect(audit[0]).toEqual({
      event_action: 'processing-requested',
      identity_id: hex(1),
      identity_name: 'stalled1',
      requested_at: NOW.toISOString(),
      source_task_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { processingRequested: Record<string, string> };
    expect(Object.keys(state.processingRequested)).toHaveLength(300);

    // 3 h 59 min later: still within the wait.
    const second = await runAt(config, later(4 * HOUR_MS - MIN_MS), ISC_DEMO_ENV);
    expect(second.code, second.stderr).toBe(0);
    expect(isc.processRequests).toHaveLength(2);
    expect(summaryOf(second.stderr)).toMatchObject({ processingRequested: 0 });
    // 4 h after the accepted requests: asked again, still batched.
    const third = await runAt(config, later(4 * HOUR_MS), ISC_DEMO_ENV);
    expect(third.code, third.stderr).toBe(0);
    expect(isc.processRequests.map((ids) => ids.length)).toEqual([250, 50, 250, 50]);

    // The only non-GET requests: the token, the searches and the processing requests.
    expect([...nonGet].sort()).toEqual(['POST /beta/identities/process', 'POST /oauth/token', 'POST /v3/search']);
    expect(pagerDuty.accepted()).toEqual([]);
  });

  it('a failed request (HTTP 500) is a warning, exit 0, and is tried again next cycle', async () => {
    let refuse = true;
    isc = await startFakeIsc({
      identities: stalledIsc(2),
      fault: ({ path }) =>
        refuse && path === '/beta/identities/process' ? iscError(500, 'processing broke: jane.doe@corp.example') : undefined,
    });
    const config = iscConfig(isc);
    const first = await runAt(config, NOW, ISC_DEMO_ENV, [], true);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryOf(first.stderr)).toMatchObject({ processingRequested: 0, processingRequestFailures: 2 });
    const warnings = jsonLines(first.stderr).filter((line) => String(line.msg).startsWith('processing request'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.error).toMatch(/^ISC POST \/beta\/identities\/process failed: HTTP 500/);
    expect(JSON.stringify(warnings)).not.toContain('jane.doe');
    expect(processingAudit()).toEqual([]);
    // Nothing the source said reaches the state.
    expect(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).not.toContain('jane.doe');

    refuse = false;
    const second = await runAt(config, later(15 * MIN_MS), ISC_DEMO_ENV, [], true);
    expect(second.code, second.stderr).toBe(0);
    expect(summaryOf(second.stderr)).toMatchObject({ processingRequested: 2, processingRequestFailures: 0 });
    expect(isc.processRequests).toEqual([[hex(1), hex(2)]]);
  });

  it('a dry run prints one planned request per leaver and sends none; off and too soon send none either', async () => {
    isc = await startFakeIsc({ identities: [...stalledIsc(2), ...stalledIsc(1, 10 * MIN_MS).map((i) => ({ ...i, id: hex(99) }))] });
    const dry = await runAt(iscConfig(isc), NOW, ISC_DEMO_ENV, ['--dry-run'], true);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = jsonLines(dry.stdout).filter((line) => line.action === 'request-processing');
    expect(planned).toEqual([
      { action: 'request-processing', identity_id: hex(1), identity_name: 'stalled1' },
      { action: 'request-processing', identity_id: hex(2), identity_name: 'stalled2' },
    ]);
    expect(isc.processRequests).toEqual([]);

    const off = await runAt(iscConfig(isc, {}), NOW, ISC_DEMO_ENV);
    expect(off.code, off.stderr).toBe(0);
    expect(isc.processRequests).toEqual([]);
    expect(isc.stats.byPath['/beta/identities/process']).toBeUndefined();
  });

  it('with apiPaths "v1": /identities/v1/process with the experimental header', async () => {
    isc = await startFakeIsc({ identities: stalledIsc(3) });
    const config = writeDemoConfig(
      dir,
      { iiq: isc.url, pagerDuty: pagerDuty.url },
      iscConfigOverrides(
        isc.url,
        { pageSize: 250, retries: 0, apiPaths: 'v1' },
        { leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', ...LEAVER_ON } },
      ),
    );
    const run = await runAt(config, NOW, ISC_DEMO_ENV);
    expect(run.code, run.stderr).toBe(0);
    // The fake refuses the experimental path without the header: accepted means it was sent.
    expect(isc.processRequests).toEqual([[hex(1), hex(2), hex(3)]]);
    expect(isc.stats.byPath['/identities/v1/process']).toBe(1);
  });
});

describe('processing requests over IIQ (refresh workflow)', () => {
  /** Nora: privileged (SLA 4 h), still active 6 h after termination, two enabled accounts: she pages. */
  const nora = (): FakeIdentity => ({
    id: '5f60718293a4b5c6d7e8f90a1b2c3d4e',
    name: 'nnotstarted',
    displayName: 'Nora Notstarted',
    inactive: false,
    attributes: { risk_tier: 'privileged', hrTerminationDate: ago(6 * HOUR_MS) },
    links: ['Active Directory', 'Salesforce'].map((application) => ({
      id: `nora-${application}`.replace(/\W+/g, '-').toLowerCase(),
      application,
      nativeIdentity: `CN=Nora,OU=Staff,DC=corp,DC=example`,
      displayName: 'nnotstarted',
      disabled: false,
    })),
  });

  function iiqConfig(fake: FakeIiq, api: 'scim' | 'rest', iiqExtra: Record<string, unknown>): string {
    return writeDemoConfig(
      dir,
      { iiq: fake.url, pagerDuty: pagerDuty.url },
      {
        iiq: { baseUrl: fake.url, api, pageSize: 50, timeoutSeconds: 5, retries: 0, retryMinDelayMs: 10, ...iiqExtra },
        leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', ...LEAVER_ON },
      },
    );
  }

  it.each(['scim', 'rest'] as const)(
    '%s: launches the workflow with the nested body; the trigger carries processing_requested_at',
    async (api) => {
      iiq = await startFakeIiq({ identities: [nora()] });
      const run = await runAt(iiqConfig(iiq, api, { refreshWorkflow: FAKE_REFRESH_WORKFLOW }), NOW, DEMO_ENV, [], api === 'scim');
      expect(run.code, run.stderr).toBe(0);
      // The fake answers a flat body with IIQ's 404 "Resource Workflow null not found.": accepted means nested.
      expect(iiq.launchedWorkflows).toEqual([{ workflowName: FAKE_REFRESH_WORKFLOW, identityName: 'nnotstarted' }]);
      expect(summaryOf(run.stderr)).toMatchObject({ processingRequested: 1, processingRequestFailures: 0 });
      const [trigger] = pagerDuty.accepted();
      expect(trigger?.payload?.custom_details).toMatchObject({ leaver_stage: 'not-started', processing_requested_at: NOW.toISOString() });
      expect(processingAudit()).toEqual([
        expect.objectContaining({ identity_id: nora().id, identity_name: 'nnotstarted', source_task_id: expect.any(String) }),
      ]);
    },
  );

  it('without iiq.refreshWorkflow IIQ is never asked; an unknown workflow is a counted failure, exit 0', async () => {
    iiq = await startFakeIiq({ identities: [nora()] });
    const unset = await runAt(iiqConfig(iiq, 'scim', {}), NOW, DEMO_ENV);
    expect(unset.code, unset.stderr).toBe(0);
    expect(iiq.stats.byRoute['scim.launchedWorkflows']).toBeUndefined();
    expect(summaryOf(unset.stderr)).toMatchObject({ processingRequested: 0, processingRequestFailures: 0 });

    const unknown = await runAt(iiqConfig(iiq, 'scim', { refreshWorkflow: 'No Such Workflow' }), later(15 * MIN_MS), DEMO_ENV);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(summaryOf(unknown.stderr)).toMatchObject({ processingRequested: 0, processingRequestFailures: 1 });
    expect(iiq.launchedWorkflows).toEqual([]);
  });
});

describe('check says whether processing requests are on', () => {
  it('ISC on, IIQ on without and with a workflow, and off', async () => {
    isc = await startFakeIsc({ identities: stalledIsc(1) });
    const iscCheck = await runCli(['check', '--config', iscConfig(isc)], { cwd: dir, env: ISC_DEMO_ENV });
    expect(iscCheck.stdout).toMatch(
      /^processing +on: leavers still active are sent to ISC identity processing \(POST \/beta\/identities\/process/m,
    );
    expect(isc.processRequests).toEqual([]);

    iiq = await startFakeIiq({ identities: [] });
    const iiqConfig = (iiqExtra: Record<string, unknown>, leaver: Record<string, unknown>) =>
      writeDemoConfig(
        dir,
        { iiq: iiq!.url, pagerDuty: pagerDuty.url },
        {
          iiq: { baseUrl: iiq!.url, api: 'scim', pageSize: 50, timeoutSeconds: 5, retries: 0, ...iiqExtra },
          leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', ...leaver },
        },
      );
    // The same check command line in this process for IIQ: its text is what the ISC check above showed through the CLI.
    const unset = await runCliInProcess(['check', '--config', iiqConfig({}, LEAVER_ON)], { cwd: dir, env: DEMO_ENV });
    expect(unset.stdout).toMatch(/^processing +PROBLEM: on, but iiq\.refreshWorkflow is not set/m);
    const named = await runCliInProcess(['check', '--config', iiqConfig({ refreshWorkflow: FAKE_REFRESH_WORKFLOW }, LEAVER_ON)], {
      cwd: dir,
      env: DEMO_ENV,
    });
    expect(named.stdout).toMatch(/^processing +on: workflow "Leaver Watchdog Refresh Identity" is launched/m);
    const off = await runCliInProcess(['check', '--config', iiqConfig({ refreshWorkflow: FAKE_REFRESH_WORKFLOW }, {})], {
      cwd: dir,
      env: DEMO_ENV,
    });
    expect(off.stdout).toMatch(
      /^processing +off \(leaver\.requestProcessing is false\).*iiq\.refreshWorkflow is "Leaver Watchdog Refresh Identity"$/m,
    );
    expect(iiq.launchedWorkflows).toEqual([]);
  });
});

describe('the sandbox fakes: processing starts the leaver', () => {
  it('ISC: after an accepted request the leaver is listed inactive (started) at the next cycle', async () => {
    isc = await startFakeIsc({ identities: stalledIsc(1), processedLifecycleState: 'inactive' });
    const config = iscConfig(isc);
    const first = await runAt(config, NOW, ISC_DEMO_ENV);
    expect(summaryOf(first.stderr)).toMatchObject({ notStartedListed: 1, processingRequested: 1 });
    const second = await runAt(config, later(15 * MIN_MS), ISC_DEMO_ENV);
    expect(second.code, second.stderr).toBe(0);
    expect(summaryOf(second.stderr)).toMatchObject({ notStartedListed: 0, inactiveListed: 1, processingRequested: 0 });
  });

  it('IIQ: the launched refresh makes the identity inactive at the next listing', async () => {
    iiq = await startFakeIiq({
      identities: [
        {
          id: '5f60718293a4b5c6d7e8f90a1b2c3d4e',
          name: 'nnotstarted',
          displayName: 'Nora Notstarted',
          inactive: false,
          attributes: { risk_tier: 'standard', hrTerminationDate: ago(HOUR_MS) },
          links: [],
        },
      ],
      refreshMakesInactive: true,
    });
    const config = writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      {
        iiq: { baseUrl: iiq.url, api: 'scim', pageSize: 50, timeoutSeconds: 5, retries: 0, refreshWorkflow: FAKE_REFRESH_WORKFLOW },
        leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', ...LEAVER_ON },
      },
    );
    const first = await runAt(config, NOW, DEMO_ENV);
    expect(summaryOf(first.stderr)).toMatchObject({ notStartedListed: 1, processingRequested: 1 });
    const second = await runAt(config, later(15 * MIN_MS), DEMO_ENV);
    expect(second.code, second.stderr).toBe(0);
    expect(summaryOf(second.stderr)).toMatchObject({ notStartedListed: 0, inactiveListed: 1, processingRequested: 0 });
  });
});

describe('the fake IIQ LaunchedWorkflows endpoint', () => {
  it('answers a flat body as IIQ does: 404 "Resource Workflow null not found."', async () => {
    iiq = await startFakeIiq({ identities: [] });
    const response = await fetch(`${iiq.url}/scim/v2/LaunchedWorkflows`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('watchdog:demo-password').toString('base64')}`,
        'content-type': 'application/scim+json',
      },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:sailpoint:1.0:LaunchedWorkflow'],
        workflowName: FAKE_REFRESH_WORKFLOW,
        input: [{ key: 'identityName', value: 'nnotstarted' }],
      }),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { detail: string }).detail).toBe('Resource Workflow null not found.');
  });
});
