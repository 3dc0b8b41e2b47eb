import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { describeRoutingKey } from '../../src/commands/check.js';
import { resolveLogStyle } from '../../src/log.js';

describe('describeRoutingKey', () => {
  it.each([
    [undefined, { status: 'missing', length: 0 }],
    ['', { status: 'missing', length: 0 }],
    ['k'.repeat(31), { status: 'malformed', length: 31 }],
    ['k'.repeat(31) + '!', { status: 'malformed', length: 32 }],
    ['k'.repeat(32), { status: 'ok', length: 32 }],
  ])('%j', (value, expected) => expect(describeRoutingKey(value)).toEqual(expected));
});

describe('resolveLogStyle', () => {
  it.each([
    ['auto', true, {}, { kind: 'pretty', colorize: true }],
    ['auto', true, { NO_COLOR: '1' }, { kind: 'pretty', colorize: false }],
    ['auto', false, {}, { kind: 'json' }],
    ['json', true, {}, { kind: 'json' }],
    ['pretty', false, {}, { kind: 'pretty', colorize: false }],
  ] as const)('%s on a tty=%s %j', (format, tty, env, expected) => expect(resolveLogStyle(format, tty, env)).toEqual(expected));
});

describe('check through the built CLI against the fake IIQ', () => {
  let iiq: FakeIiq;
  // check probes the PagerDuty URL with an event without routing key: the fake answers 400 like PagerDuty.
  let pagerDuty: FakePagerDuty;
  let dir: string;
  beforeAll(async () => {
    pagerDuty = await startFakePagerDuty();
    // Relative to the clock, as check evaluates at the clock: Jane is 5.2 h past termination (privileged, 4 h SLA).
    const identities = demoIdentities(new Date());
    identities[2]!.attributes.hrTerminationDate = 'next Tuesday';
    iiq = await startFakeIiq({ identities });
    dir = mkdtempSync(join(tmpdir(), 'watchdog-check-'));
    // pageSize 2 (demo config): check reads one page, so it sees 2 of the 5 leavers.
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
  });
  afterAll(async () => {
    await Promise.all([iiq.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const check = (args: string[], env: Record<string, string>) => runCli(['check', '--config', 'config.json', ...args], { cwd: dir, env });

  it('ok: exit 0, tiers, one page read, termination dates, and no PagerDuty contact', async () => {
    iiq.resetStats();
    const result = await check([], { ...DEMO_ENV });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tiers +privileged 4h, standard 8h \(default\), contractor 6h$/m);
    expect(result.stdout).toMatch(/^routing key +PAGERDUTY_ROUTING_KEY is set and well formed \(32 characters\)$/m);
    expect(result.stdout).toMatch(/^identities +2 inactive identities on the first page$/m);
    expect(result.stdout).toMatch(/^termination +2 parsed, 0 not parseable$/m);
    expect(result.stdout).toMatch(/^files +\S.* writable \(state, dead letter, audit\)$/m);
    expect(result.stdout).toMatch(/jdoe +\d{4}-\d\d-\d\dT[\d:.]+Z {2}privileged {2}past SLA/);
    expect(result.stdout).not.toContain(DEMO_ENV.PAGERDUTY_ROUTING_KEY);
    // The first page of inactive identities, and the not-started listing (one page).
    expect(iiq.stats.byRoute).toEqual({ 'rest.identities': 2 });
  });

  it('--format json: counts parsed and unparseable dates on the page it read', async () => {
    // Page size 5 via the env-free route: a config with a larger page.
    writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      { iiq: { baseUrl: iiq.url, api: 'rest', pageSize: 10, retryMinDelayMs: 1 } },
    );
    const result = await check(['--format', 'json'], { ...DEMO_ENV });
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.iiq).toMatchObject({ ok: true, identitiesRead: 5, terminationDates: { parsed: 4, unparseable: 1 } });
    expect(parsed.iiq.terminationDates.sample.map((s: { name: string }) => s.name)).toEqual(['jdoe', 'jsmith', 'oold', 'harchive']);
    expect(parsed.routingKey).toEqual({ status: 'ok', length: 32 });
    expect(parsed.exitCode).toBe(0);
  });

  it('IIQ refuses the credentials (401): exit 3, and says so on stdout', async () => {
    const result = await check([], { ...DEMO_ENV, IIQ_PASSWORD: 'wrong-password' });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^iiq .*PROBLEM: .*401/m);
    expect(result.stdout).toMatch(/^result +FAILED \(exit 3\)/m);
    expect(result.stdout + result.stderr).not.toContain('wrong-password');
  });

  it('missing or malformed routing key: exit 2 (IIQ still checked)', async () => {
    const { PAGERDUTY_ROUTING_KEY: _unused, ...withoutKey } = DEMO_ENV;
    const missing = await check([], withoutKey);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^routing key +PROBLEM: PAGERDUTY_ROUTING_KEY is not set$/m);
    expect(missing.stdout).toMatch(/^iiq .*authenticated/m);
    const malformed = await check([], { ...DEMO_ENV, PAGERDUTY_ROUTING_KEY: 'too-short' });
    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toMatch(/malformed \(9 characters/);
  });

  it('invalid config or missing IIQ secrets: exit 2, nothing contacted', async () => {
    iiq.resetStats();
    const result = await check([], { PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('IIQ_USERNAME and IIQ_PASSWORD are not set');
    expect(iiq.stats.requests).toBe(0);
  });

  it('logs are JSON lines on a pipe, pretty with --log-format pretty', async () => {
    const json = await check([], { ...DEMO_ENV });
    for (const line of json.stderr.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const pretty = await check(['--log-format', 'pretty'], { ...DEMO_ENV });
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/INFO.*: check finished/);
    expect(() => JSON.parse(pretty.stderr.trim().split('\n')[0]!)).toThrow();
  });

  it("run --log-format pretty ends with a table on stderr; stdout keeps the dry run's JSON lines", async () => {
    const result = await runCli(['run', '--config', 'config.json', '--dry-run', '--log-format', 'pretty'], {
      cwd: dir,
      env: { ...DEMO_ENV },
    });
    expect(result.code).toBe(0);
    for (const line of result.stdout.trim().split('\n')) expect(JSON.parse(line)).toHaveProperty('action', 'trigger');
    expect(result.stderr).toMatch(/cycle \(dry run\) finished: exit 0\n {2}inactive identities +5 listed, 4 past SLA/);
    expect(result.stderr).toMatch(/^ {2}open incidents +0 \(privileged 0, standard 0, contractor 0\)$/m);
    const json = await runCli(['run', '--config', 'config.json', '--dry-run'], { cwd: dir, env: { ...DEMO_ENV } });
    expect(json.stderr).not.toContain('finished: exit');
  });
});
