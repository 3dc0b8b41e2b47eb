/**
 * `sandbox` end to end: the built CLI as a child process; its printed commands run
 * through a shell as a person would paste them; the fake PagerDuty's page read by headless
 * Chromium; SIGINT / SIGTERM stop everything and remove the folder.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH } from '../../dev/run-cli.js';
import { dumpDom, requireChromium } from '../helpers/chromium.js';
import { runShell, startChild, type RunningChild } from '../helpers/child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const E2E_TIMEOUT_MS = 180_000;
const running: RunningChild[] = [];

afterEach(async () => {
  for (const sandbox of running.splice(0)) {
    if (sandbox.child.exitCode === null && sandbox.child.signalCode === null) sandbox.child.kill('SIGKILL');
    await sandbox.exited;
  }
});

/** Starts the sandbox with a private TMPDIR and an environment free of the watchdog's variables. */
function sandbox(args: string[], tmp: string): RunningChild {
  const child = startChild(process.execPath, [CLI_PATH, 'sandbox', ...args], { cwd: tmp, env: cleanEnv(tmp) });
  running.push(child);
  return child;
}

function cleanEnv(tmp: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: tmp, TMPDIR: tmp };
}

/** The incidents on the page as Chromium built it: status and dedup key per section. */
function incidentsOnPage(dom: string): { status: string; key: string }[] {
  return [...dom.matchAll(/<section class="incident [a-z]+" data-dedup-key="([^"]+)" data-status="([a-z]+)"/g)].map((m) => ({
    key: m[1]!,
    status: m[2]!,
  }));
}

describe('sandbox, by hand', () => {
  it(
    'prints commands that work pasted into a shell; the page shows the incidents open, then resolved; SIGINT ends it all',
    async () => {
      requireChromium();
      const tmp = makeTempDir('watchdog-sandbox-');
      const sb = sandbox([], tmp);
      const intro = await sb.until(/# 7\. .*\n {2}.*replay.*\n/);
      const folder = /folder +(\S+)/.exec(intro)?.[1] ?? '';
      const page = /incidents page +(\S+)/.exec(intro)?.[1] ?? '';
      expect(folder.startsWith(tmp)).toBe(true);
      expect(readFileSync(join(folder, '.env'), 'utf8')).toMatch(/^PAGERDUTY_ROUTING_KEY=\w{32}$/m);
      expect(statSync(join(folder, '.env')).mode & 0o077).toBe(0);
      expect(intro).toContain('Hank Archive (harchive): not paged — only an excluded application is still enabled: HR Archive');
      expect(intro).toContain('Chris Contractor (ccontractor): not paged — within SLA');
      expect(intro).toContain(
        'Nora Pending (npending): paged — not started (still active in the source after the termination); warning: past the SLA; still enabled: Active Directory',
      );

      const commands = intro
        .split('\n')
        .filter((line) => /^ {2}(cd|curl) /.test(line))
        .map((line) => line.slice(2));
      expect(commands).toHaveLength(7);
      expect(commands.map((c) => /cli\.js (\w+(?: --dry-run)?)|sandbox\/(remediate)/.exec(c)?.slice(1).join(''))).toEqual([
        'check',
        'run --dry-run',
        'run',
        'remediate',
        'run',
        'report',
        'replay',
      ]);
      // Pasted in another terminal: elsewhere, with a shell environment of its own.
      const shell = (line: string) => runShell(line, { cwd: tmp, env: cleanEnv(tmp) });

      const check = await shell(commands[0]!);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain('authenticated');

      const dryRun = await shell(commands[1]!);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      // Two leavers, the not-started one and the chain task (the failed "Refresh Identity Cube"); jq's pretty output.
      expect(dryRun.stdout.match(/"action": "trigger"/g)).toHaveLength(4);
      expect(dryRun.stdout.match(/"leaver_stage": "not-started"/g)).toHaveLength(2); // on the planned line and in the event

      expect(incidentsOnPage(await dumpDom(page))).toEqual([]);
      const firstRun = await shell(commands[2]!);
      expect(firstRun.code, firstRun.stderr).toBe(0);
      const open = await dumpDom(page);
      expect(incidentsOnPage(open).map((i) => i.status)).toEqual(['open', 'open', 'open', 'open']);
      expect(open).toContain('IdentityIQ task "Refresh Identity Cube" ended Error');
      expect(open).toContain('Jane Doe has 2 active accounts');
      expect(open).toContain('John Smith has 1 active account');
      expect(open).toContain('Leaver not started: Nora Pending is still active in IdentityIQ');
      expect(open).not.toContain('SANDB0XR0UT1NGKEY'); // routing keys never shown

      const remediate = await shell(commands[3]!);
      expect(remediate.code, remediate.stderr).toBe(0);
      expect(JSON.parse(remediate.stdout)).toMatchObject({ identities: expect.arrayContaining(['jdoe', 'jsmith', 'npending']) });

      const secondRun = await shell(commands[4]!);
      expect(secondRun.code, secondRun.stderr).toBe(0);
      const resolved = await dumpDom(page);
      expect(incidentsOnPage(resolved).map((i) => i.status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
      expect(resolved).toMatch(/<td>trigger<\/td><td>202<\/td>.*<td>resolve<\/td><td>202<\/td>/s); // each incident lists its events

      const report = await shell(commands[5]!);
      expect(report.code, report.stderr).toBe(0);
      expect(report.stdout).toMatch(/overall +3 +0 +3/);
      expect(report.stdout).toMatch(/stage not-started +1 +0 +1/);
      const replay = await shell(commands[6]!);
      expect(replay.code, replay.stderr).toBe(0);

      sb.child.kill('SIGINT');
      expect(await sb.exited).toEqual({ code: 0, signal: null });
      expect(sb.stdout()).toContain(`folder removed: ${folder}`);
      expect(existsSync(folder)).toBe(false);
      await expect(fetch(page)).rejects.toThrow(); // the fakes are gone
      expect(readdirSync(tmp)).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    '--keep leaves the folder and says where',
    async () => {
      const tmp = makeTempDir('watchdog-sandbox-');
      const sb = sandbox(['--keep'], tmp);
      const folder = /folder +(\S+)/.exec(await sb.until(/replay/))?.[1] ?? '';
      sb.child.kill('SIGTERM');
      expect((await sb.exited).code).toBe(0);
      expect(sb.stdout()).toContain(`folder kept: ${folder}`);
      expect(readdirSync(folder).sort()).toEqual(['.env', 'config-isc.json', 'config.json']);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('sandbox, the same story from the fake Identity Security Cloud', () => {
  it(
    'config-isc.json plans the same pages as config.json',
    async () => {
      const tmp = makeTempDir('watchdog-sandbox-');
      const sb = sandbox([], tmp);
      const folder = /folder +(\S+)/.exec(await sb.until(/replay/))?.[1] ?? '';
      const plan = (config: string) =>
        runShell(`cd '${folder}' && '${process.execPath}' '${CLI_PATH}' run --dry-run --config '${config}'`, {
          cwd: folder,
          env: cleanEnv(tmp),
        });
      const fromIiq = await plan('config.json');
      const fromIsc = await plan('config-isc.json');
      expect([fromIiq.code, fromIsc.code]).toEqual([0, 0]);
      const planned = (stdout: string) =>
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { action: string; dedup_key: string; event: { payload?: { component?: string } } })
          .map((line) => `${line.action} ${line.dedup_key} ${line.event.payload?.component ?? ''}`)
          .sort();
      expect(planned(fromIiq.stdout).length).toBeGreaterThan(0);
      // The chain task is IIQ's alone (ISC has no TaskResults).
      const leavers = planned(fromIiq.stdout).filter((line) => !line.includes('iiq-leaver-sla-task-'));
      expect(planned(fromIsc.stdout)).toEqual(leavers.map((line) => line.replace('identityiq', 'identity-security-cloud')));
      sb.child.kill('SIGTERM');
      expect((await sb.exited).code).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('sandbox --ci with a scenario and a team config', () => {
  const teamConfig = {
    iiq: { baseUrl: 'https://iiq.corp.example/identityiq', api: 'scim', auth: 'oauth', caFile: './corp-ca.pem', pageSize: 100 },
    leaver: { terminationDateAttribute: 'endDate', tierAttribute: 'riskLevel', defaultTier: 'normal', timezone: 'Europe/Berlin' },
    slaHours: { high: 2, normal: 24 },
    excludedApplications: ['Mainframe Archive'],
    pagerduty: { eventsUrl: 'https://events.pagerduty.com/v2/enqueue', source: 'iiq.corp.example' },
    state: { path: '/var/lib/iiq-leaver-sla-watchdog/watchdog-state.json' },
    audit: { path: '/var/lib/iiq-leaver-sla-watchdog/audit.jsonl' },
    health: { alertAfterFailures: 3, heartbeatUrl: 'https://hc-ping.example/abc' },
  };
  const scenario = {
    identities: [
      {
        id: 'a1',
        name: 'hana',
        attributes: { endDate: '2026-03-01', riskLevel: 'high' },
        accounts: [{ application: 'Azure AD', status: 'enabled' }],
      },
      {
        id: 'a2',
        name: 'ivan',
        attributes: { endDate: '2026-03-01', riskLevel: 'normal' },
        accounts: [{ application: 'Azure AD', status: 'enabled' }],
      },
      {
        id: 'a3',
        name: 'jo',
        attributes: { endDate: '2026-02-01' },
        accounts: [
          { application: 'Mainframe Archive', status: 'enabled' },
          { application: 'Azure AD', status: 'disabled' },
        ],
      },
      {
        id: 'a4',
        name: 'kim',
        inactive: false,
        attributes: { endDate: '2026-01-01', riskLevel: 'high' },
        accounts: [{ application: 'Azure AD', status: 'enabled' }],
      },
    ],
  };

  it(
    'one JSON line; a copy of the config pointed at the fakes; the dry run plans what the scenario says; SIGTERM exits 0 and cleans up',
    async () => {
      const tmp = makeTempDir('watchdog-sandbox-');
      const repo = makeTempDir('watchdog-team-');
      writeFileSync(join(repo, 'config.json'), JSON.stringify(teamConfig));
      writeFileSync(join(repo, 'scenario.json'), JSON.stringify(scenario));
      const sb = sandbox(['--ci', '--config', join(repo, 'config.json'), '--scenario', join(repo, 'scenario.json')], tmp);
      const line = JSON.parse(await sb.until(/\n/)) as Record<string, string | null>;
      expect(Object.keys(line).sort()).toEqual(['config', 'env', 'iiq', 'isc', 'pagerduty']);
      expect(line.isc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const folder = join(line.config!, '..');
      const written = JSON.parse(readFileSync(line.config!, 'utf8'));
      expect(written.iiq).toEqual({ baseUrl: line.iiq, api: 'scim', auth: 'oauth', pageSize: 100 });
      expect(written.pagerduty.eventsUrl).toBe(line.pagerduty);
      expect(written.health.heartbeatUrl).toBeNull();
      expect([written.state.path, written.audit.path, written.deadLetter.path]).toEqual([
        './watchdog-state.json',
        './audit.jsonl',
        './dead_letter.jsonl',
      ]);
      expect(written.leaver).toEqual(teamConfig.leaver);
      expect(JSON.parse(readFileSync(join(repo, 'config.json'), 'utf8'))).toEqual(teamConfig); // the team's file untouched

      // As the CI recipe does: the env file sourced, a fixed instant.
      const env = cleanEnv(tmp);
      const dryRun = await runShell(
        `set -a; . '${line.env}'; set +a; '${process.execPath}' '${CLI_PATH}' run --dry-run --now 2026-03-01T12:00:00Z --config '${line.config}'`,
        { cwd: tmp, env },
      );
      expect(dryRun.code, dryRun.stderr).toBe(0);
      const planned = dryRun.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      // hana: high (2 h), 12 h after Berlin midnight → error; ivan: normal 24 h, not yet; jo: only an excluded app; kim: active.
      expect(planned.map((p) => [p.action, p.event.payload.custom_details.identity_name, p.event.payload.severity])).toEqual([
        ['trigger', 'hana', 'error'],
      ]);

      const run = await runShell(
        `set -a; . '${line.env}'; set +a; '${process.execPath}' '${CLI_PATH}' run --now 2026-03-01T12:00:00Z --config '${line.config}'`,
        { cwd: tmp, env },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(readdirSync(folder)).toEqual(expect.arrayContaining(['watchdog-state.json', 'audit.jsonl']));

      sb.child.kill('SIGTERM');
      expect(await sb.exited).toEqual({ code: 0, signal: null });
      expect(sb.stdout().trim().split('\n')).toHaveLength(1); // stdout carries the JSON line only
      expect(existsSync(folder)).toBe(false);
      expect(readdirSync(tmp)).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it.each([
    [
      'a bad status',
      { identities: [scenario.identities[0], { id: 'b', name: 'b', accounts: [{ application: 'X', status: 'active' }] }] },
      /invalid scenario .*: identities\[1\]\.accounts\[0\]\.status: must be "enabled", "disabled" or "unknown"/,
    ],
    ['an unknown key', { identities: [{ id: 'b', name: 'b', accounts: [], email: 'b@x' }] }, /identities\[0\]: unknown key "email"/],
    ['a missing name', { identities: [{ id: 'b' }] }, /identities\[0\]\.name: /],
    [
      'a duplicate id',
      {
        identities: [
          { id: 'b', name: 'b' },
          { id: 'b', name: 'c' },
        ],
      },
      /identities\[1\]\.id: "b" is also the id of identities\[0\]/,
    ],
    ['not JSON', '{"identities": [', /scenario file .* is not valid JSON at line 1/],
  ])(
    'an invalid scenario (%s) is exit 2 naming the entry and key; nothing starts',
    async (_name, content, message) => {
      const tmp = makeTempDir('watchdog-sandbox-');
      writeFileSync(join(tmp, 'scenario.json'), typeof content === 'string' ? content : JSON.stringify(content));
      const sb = sandbox(['--ci', '--scenario', 'scenario.json'], tmp);
      expect((await sb.exited).code).toBe(2);
      expect(sb.stderr()).toMatch(message);
      expect(sb.stderr().trim().split('\n')).toHaveLength(1);
      expect(sb.stdout()).toBe('');
      expect(readdirSync(tmp)).toEqual(['scenario.json']);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a team config the watchdog would refuse is exit 2 naming the key, and the folder is removed',
    async () => {
      const tmp = makeTempDir('watchdog-sandbox-');
      writeFileSync(join(tmp, 'config.json'), JSON.stringify({ ...teamConfig, slaHours: { high: -1 }, pagerDuty: {} }));
      const sb = sandbox(['--ci', '--config', 'config.json'], tmp);
      expect((await sb.exited).code).toBe(2);
      expect(sb.stderr()).toContain('unknown key "pagerDuty"');
      expect(sb.stderr().trim().split('\n')).toHaveLength(1);
      expect(sb.stdout()).toBe('');
      expect(readdirSync(tmp)).toEqual(['config.json']);
    },
    E2E_TIMEOUT_MS,
  );
});
