/**
 * End to end: the built CLI as a child process against the loopback fakes (npm test builds first),
 * once per contract (exit 0 with an empty stdout, 1, 2, 3 and 4, the dry run's stdout, the lock).
 * The cycles that set a scenario up or follow it on, and a corrupt state file, run the same command
 * lines in this process (runCliInProcess): what they assert is the cycle's, not the process's.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIiq, type FakeIiqOptions } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY, JOHN_DEDUP_KEY, remediate } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { deferred } from '../helpers/cli-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLines, summaryOf } from '../helpers/cli-logs.js';

const JANE = JANE_DEDUP_KEY;
const JOHN = JOHN_DEDUP_KEY;

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let configPath: string;

beforeEach(async () => {
  dir = makeTempDir('watchdog-e2e-');
  iiq = await startFakeIiq({ identities: demoIdentities(NOW), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
  configPath = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
});

/** Restarts the fake IIQ on the same identities with a fault hook (and latency), and points the config at it. */
async function restartIiq(options: Pick<FakeIiqOptions, 'fault' | 'latencyMs'>): Promise<void> {
  const identities = iiq.identities;
  await iiq.close();
  iiq = await startFakeIiq({ identities, username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD, ...options });
  writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
}

const run = (minutes: number, ...extra: string[]) =>
  runCli(['run', '--config', configPath, '--now', at(minutes), ...extra], { cwd: dir, env: { ...DEMO_ENV } });
/** The same cycle in this process. */
const runInProcess = (minutes: number) =>
  runCliInProcess(['run', '--config', configPath, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } });
const readJsonLines = (file: string) => jsonLines(readFileSync(join(dir, file), 'utf8'));
const readState = () => JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { incidents: Record<string, any> };

describe('a cycle end to end', () => {
  it('triggers breaches, stays quiet, escalates, then resolves on remediation', async () => {
    const first = await run(0);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    const triggers = pagerDuty.accepted();
    expect(triggers.map((e) => [e.event_action, e.dedup_key, e.payload.severity])).toEqual(
      expect.arrayContaining([
        ['trigger', JANE, 'warning'],
        ['trigger', JOHN, 'error'],
      ]),
    );
    expect(triggers).toHaveLength(2);
    const jane = triggers.find((e) => e.dedup_key === JANE);
    expect(jane).toEqual({
      routing_key: DEMO_ENV.PAGERDUTY_ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: JANE,
      payload: {
        summary: 'Leaver SLA breach: Jane Doe has 2 active accounts 5.2h after termination (privileged SLA 4h)',
        source: 'iiq.demo.local',
        severity: 'warning',
        timestamp: at(0),
        component: 'identityiq',
        group: 'privileged',
        class: 'leaver-sla-breach',
        custom_details: {
          identity_name: 'jdoe',
          identity_id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          termination_date: '2026-11-24T06:48:00.000Z',
          termination_date_source: 'iiq-attribute',
          elapsed_hours: 5.2,
          sla_hours: 4,
          sla_deadline: '2026-11-24T10:48:00.000Z',
          tier: 'privileged',
          active_applications: ['Active Directory', 'Salesforce'],
          active_account_count: 2,
          leaver_stage: 'started',
          refreshed_since_termination: false,
        },
      },
      links: [
        { href: `${iiq.url}/identities/identities.jsf#/identities/0a1b2c3d4e5f60718293a4b5c6d7e8f9`, text: 'Identity in IdentityIQ' },
      ],
      client: 'iiq-leaver-sla-watchdog',
    });
    expect(JSON.stringify(pagerDuty.received)).not.toContain('CN=');
    expect(summaryOf(first.stderr)).toMatchObject({
      inactiveListed: 5,
      pastSla: 4,
      linksFetched: 4,
      triggered: 2,
      resolved: 0,
      deadLettered: 0,
    });
    expect(Object.keys(readState().incidents).sort()).toEqual([JANE, JOHN]);
    expect(existsSync(join(dir, 'dead_letter.jsonl'))).toBe(false);

    // 15 minutes later nothing changed: nothing is re-sent.
    expect((await runInProcess(15)).code).toBe(0);
    expect(pagerDuty.received).toHaveLength(2);

    // Jane passes 2 x SLA (8 h after termination at 06:48): re-trigger as error.
    expect((await runInProcess(3 * 60)).code).toBe(0);
    expect(
      pagerDuty
        .accepted()
        .slice(2)
        .map((e) => [e.dedup_key, e.payload.severity]),
    ).toEqual([[JANE, 'error']]);

    remediate(iiq.identities, 'jdoe');
    iiq.identities.splice(
      iiq.identities.findIndex((i) => i.name === 'jsmith'),
      1,
    );
    const last = await runInProcess(3 * 60 + 15);
    expect(last.code).toBe(0);
    expect(pagerDuty.accepted().slice(3)).toEqual(
      expect.arrayContaining([
        { routing_key: DEMO_ENV.PAGERDUTY_ROUTING_KEY, event_action: 'resolve', dedup_key: JANE },
        { routing_key: DEMO_ENV.PAGERDUTY_ROUTING_KEY, event_action: 'resolve', dedup_key: JOHN },
      ]),
    );
    expect(readState().incidents).toEqual({});

    const audit = readJsonLines('audit.jsonl');
    expect(audit.map((a) => [a.event_action, a.identity_name, a.reason])).toEqual(
      expect.arrayContaining([
        ['trigger', 'jdoe', 'first breach'],
        ['trigger', 'jsmith', 'first breach'],
        ['trigger', 'jdoe', 'severity escalated'],
        ['resolve', 'jdoe', 'accounts disabled'],
        // Changed (confirm before resolve): jsmith is no longer listed, so he is looked up on
        // his own; the lookup says he is gone, and the reason says so (was 'identity no longer listed as inactive').
        ['resolve', 'jsmith', 'identity deleted'],
      ]),
    );
    expect(audit).toHaveLength(5);
    const janeResolve = audit.find((a) => a.event_action === 'resolve' && a.identity_name === 'jdoe');
    // SLA deadline 10:48, resolved 15:15: 267 minutes past the deadline; open since 12:00.
    expect(janeResolve).toMatchObject({
      breach_minutes: 267,
      open_minutes: 195,
      tier: 'privileged',
      sla_deadline: '2026-11-24T10:48:00.000Z',
    });
  });

  it('dry run prints planned actions as JSON lines and writes nothing', async () => {
    const result = await run(0, '--dry-run');
    expect(result.code).toBe(0);
    const planned = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(planned.map((p) => [p.action, p.dedup_key])).toEqual(
      expect.arrayContaining([
        ['trigger', JANE],
        ['trigger', JOHN],
      ]),
    );
    expect(planned[0].event.routing_key).toBeUndefined();
    expect(pagerDuty.received).toHaveLength(0);
    for (const file of ['watchdog-state.json', 'audit.jsonl', 'dead_letter.jsonl', 'watchdog-state.json.lock']) {
      expect(existsSync(join(dir, file))).toBe(false);
    }
  });

  it('dry run: a large plan reaches a pipe whole before the process exits', async () => {
    await iiq.close();
    iiq = await startFakeIiq({
      identities: generatePopulation({ count: 2000, accountsPerIdentity: 2, breachingFraction: 0.5, now: NOW }),
      username: DEMO_ENV.IIQ_USERNAME,
      password: DEMO_ENV.IIQ_PASSWORD,
    });
    writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      { iiq: { baseUrl: iiq.url, pageSize: 500, concurrency: 8 }, storm: { threshold: 100_000 } },
    );
    const result = await run(0, '--dry-run');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines.every((line) => JSON.parse(line).action === 'trigger')).toBe(true);
  });

  it('exit 1: an undeliverable event is dead-lettered, state not advanced, delivered next cycle', async () => {
    await pagerDuty.close();
    pagerDuty = await startFakePagerDuty({ respond: (event) => (event.dedup_key === JOHN ? { status: 500 } : undefined) });
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const result = await run(0);
    expect(result.code).toBe(1);
    const [letter, ...more] = readJsonLines('dead_letter.jsonl');
    expect(more).toHaveLength(0);
    expect(letter).toMatchObject({ attempts: 4, error: 'HTTP 500', event: { event_action: 'trigger', dedup_key: JOHN } });
    expect(letter?.event.routing_key).toBeUndefined();
    expect(Object.keys(readState().incidents)).toEqual([JANE]);

    await pagerDuty.close();
    pagerDuty = await startFakePagerDuty();
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    expect((await runInProcess(15)).code).toBe(0);
    expect(pagerDuty.accepted().map((e) => e.dedup_key)).toEqual([JOHN]);
  });

  it('exit 2: invalid config or missing secret, before any request', async () => {
    writeFileSync(
      configPath,
      JSON.stringify({ iiq: { baseUrl: iiq.url, bogus: true }, leaver: { terminationDateAttribute: 'x' }, slaHours: { standard: 8 } }),
    );
    const invalid = await run(0);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('unknown key \\"iiq.bogus\\"');
    expect(invalid.stderr.trim().split('\n')).toHaveLength(1);

    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const noKey = await runCli(['run', '--config', configPath], {
      cwd: dir,
      env: { IIQ_USERNAME: 'watchdog', IIQ_PASSWORD: 'demo-password' },
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('PAGERDUTY_ROUTING_KEY is not set');

    expect((await runCli(['run', '--no-such-flag'], { cwd: dir, env: { ...DEMO_ENV } })).code).toBe(2);
    expect(iiq.stats.requests).toBe(0);
  });

  it('exit 3: IIQ fails part-way; breaches seen are triggered, open incidents not seen are not resolved', async () => {
    expect((await runInProcess(0)).code).toBe(0);
    remediate(iiq.identities, 'jdoe');
    // The listing's second page (jsmith is on page 1, jdoe too: pageSize 2) fails every time.
    await restartIiq({ fault: ({ query }) => (query.get('start') === '2' ? { status: 500, body: 'down' } : undefined) });
    const result = await run(15);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('IIQ GET /rest/identities failed: HTTP 500');
    // jdoe was fully observed on page 1 with no active accounts: resolved. jsmith was also on page 1: still breaching.
    expect(
      pagerDuty
        .accepted()
        .slice(2)
        .map((e) => [e.event_action, e.dedup_key]),
    ).toEqual([['resolve', JANE]]);
    expect(Object.keys(readState().incidents)).toEqual([JOHN]);
  });

  it('exit 3: a failed links read never resolves the open incident', async () => {
    expect((await runInProcess(0)).code).toBe(0);
    remediate(iiq.identities, 'jdoe');
    await restartIiq({ fault: ({ path }) => (path.includes('/jdoe/links') ? { status: 500 } : undefined) });
    const result = await runInProcess(15);
    expect(result.code).toBe(3);
    expect(pagerDuty.received).toHaveLength(2);
    expect(Object.keys(readState().incidents).sort()).toEqual([JANE, JOHN]);
  });

  it('a corrupt state file is moved aside loudly and the cycle continues from IIQ', async () => {
    writeFileSync(join(dir, 'watchdog-state.json'), '{"version":1,"incidents":{"iiq-leaver');
    const result = await runInProcess(0);
    expect(result.code).toBe(0);
    const corruptLog = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((l) => /STATE FILE CORRUPT/.test(l.msg));
    expect(corruptLog).toMatchObject({ level: 'error', reason: 'not valid JSON' });
    expect(readFileSync(corruptLog.movedTo, 'utf8')).toBe('{"version":1,"incidents":{"iiq-leaver');
    expect(pagerDuty.accepted()).toHaveLength(2);
    expect(Object.keys(readState().incidents)).toHaveLength(2);
  });

  it('exit 4: another live run holds the lock', async () => {
    writeFileSync(
      join(dir, 'watchdog-state.json.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const result = await run(0);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('another run holds the lock');
    expect(iiq.stats.requests).toBe(0);
    expect(pagerDuty.received).toHaveLength(0);
  });

  it('exit 4: two overlapping runs, the second exits at once', async () => {
    // The first run is held inside its cycle (its first delivery waits) until the second has
    // ended: the overlap does not depend on how fast either process starts on a loaded machine.
    const firstDelivery = deferred();
    const secondEnded = deferred();
    await pagerDuty.close();
    pagerDuty = await startFakePagerDuty({
      respond: async () => {
        firstDelivery.resolve();
        await secondEnded.promise;
        return undefined;
      },
    });
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const first = run(0);
    await firstDelivery.promise;
    const second = await run(0);
    secondEnded.resolve();
    expect(second.code).toBe(4);
    expect((await first).code).toBe(0);
    expect(pagerDuty.accepted()).toHaveLength(2);
  });

  it('takes over a lock left by a dead process', async () => {
    writeFileSync(
      join(dir, 'watchdog-state.json.lock'),
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: '2026-11-24T00:00:00Z' }),
    );
    expect((await run(0)).code).toBe(0);
    expect(existsSync(join(dir, 'watchdog-state.json.lock'))).toBe(false);
  });
});
