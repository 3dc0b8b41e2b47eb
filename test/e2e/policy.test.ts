/**
 * End to end: per-application grace and approved exceptions against the loopback fakes. The built
 * CLI runs once per contract (the dry run's stdout, a bad exceptions file as exit 2 with one log
 * line, check's text); the multi-cycle story, the other bad files and check's JSON run the same
 * command lines in this process (runCliInProcess), which asserts the same exit codes and output.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq, type FakeLink } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { NOW_MS as NOW, HOUR_MS as HOUR } from '../helpers/clock.js';

const at = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();
const key = (id: string): string => `iiq-leaver-sla-${id}`;

function link(application: string, owner: string, disabled: boolean): FakeLink {
  return {
    id: `${owner}-${application}`.replace(/\W+/g, '-'),
    application,
    nativeIdentity: `CN=${owner},OU=Leavers,DC=corp,DC=example`,
    displayName: owner,
    disabled,
  };
}
function leaver(id: string, name: string, tier: string, hoursAgo: number, links: [string, boolean][]): FakeIdentity {
  return {
    id,
    name,
    displayName: name.toUpperCase(),
    inactive: true,
    attributes: { hrTerminationDate: new Date(NOW - hoursAgo * HOUR).toISOString(), risk_tier: tier },
    links: links.map(([application, disabled]) => link(application, name, disabled)),
  };
}

/**
 * eve: AD overdue, mailbox within its 30-day grace. paul: only Payroll (48 h grace).
 * lena: AD overdue, Salesforce excepted. exec: all excepted (by id) for two more hours.
 * late: AD overdue, excepted only from the second cycle on.
 */
const identities = (): FakeIdentity[] => [
  leaver('id-eve', 'eve', 'standard', 10, [
    ['Active Directory', false],
    ['Exchange Online', false],
  ]),
  leaver('id-paul', 'paul', 'standard', 20, [
    ['Payroll', false],
    ['Active Directory', true],
  ]),
  leaver('id-lena', 'lena', 'privileged', 6, [
    ['Active Directory', false],
    ['Salesforce', false],
  ]),
  leaver('id-exec', 'exec', 'privileged', 6, [
    ['Active Directory', false],
    ['SAP ERP', false],
  ]),
  leaver('id-late', 'late', 'standard', 12, [['Active Directory', false]]),
];
const EXCEPTIONS = [
  { identity: 'lena', applications: ['Salesforce'], until: '2026-12-31', reason: 'legal hold LH-2291', approvedBy: 'legal@example.com' },
  { identity: 'id-exec', until: at(120), reason: 'executive kept on as contractor (CHG-1182)', approvedBy: 'ciso@example.com' },
];
const LATE_EXCEPTION = { identity: 'late', until: '2026-12-01', reason: 'final pay run', approvedBy: 'hr-director@example.com' };

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let configPath: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-policy-'));
  iiq = await startFakeIiq({ identities: identities(), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
  configPath = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      applicationSlaHours: { 'Exchange Online': 720, Payroll: 48 },
      exceptions: { path: './exceptions.json' },
    },
  );
  writeExceptions(EXCEPTIONS);
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const writeExceptions = (entries: unknown): void => writeFileSync(join(dir, 'exceptions.json'), JSON.stringify(entries, null, 2));
const runArgs = (minutes: number, extra: string[]) => ['run', '--config', configPath, '--now', at(minutes), ...extra];
/** One cycle in this process. */
const run = (minutes: number, ...extra: string[]) => runCliInProcess(runArgs(minutes, extra), { cwd: dir, env: { ...DEMO_ENV } });
/** One cycle through the built CLI: for what only a process shows. */
const runThroughCli = (minutes: number, ...extra: string[]) => runCli(runArgs(minutes, extra), { cwd: dir, env: { ...DEMO_ENV } });
const audit = () =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);
const sent = (from: number) => pagerDuty.accepted().slice(from);
const byKey = (events: any[], id: string) => events.find((e) => e.dedup_key === key(id));

describe('grace and exceptions end to end', () => {
  it('pages only overdue, unexcepted accounts; resolves on grace and approval; pages again at expiry; audits each exception once', async () => {
    // Cycle A: eve (AD) and lena (AD) and late are paged; paul is within grace; exec is excepted.
    expect((await run(0)).code).toBe(0);
    const first = sent(0);
    expect(first.map((e) => e.dedup_key).sort()).toEqual([key('id-eve'), key('id-late'), key('id-lena')]);
    expect(byKey(first, 'id-eve').payload.custom_details).toMatchObject({
      active_applications: ['Active Directory'],
      within_grace_applications: ['Exchange Online'],
      active_account_count: 1,
    });
    expect(byKey(first, 'id-lena').payload.custom_details).toMatchObject({
      active_applications: ['Active Directory'],
      excepted_applications: ['Salesforce'],
    });
    expect(byKey(first, 'id-late').payload.custom_details.within_grace_applications).toBeUndefined();
    expect(JSON.stringify(first)).not.toContain('CN=');
    expect(
      audit()
        .filter((a) => a.event_action === 'exception')
        .map((a) => [a.identity_name, a.applications]),
    ).toEqual(
      expect.arrayContaining([
        ['lena', ['Salesforce']],
        ['exec', ['Active Directory', 'SAP ERP']],
      ]),
    );

    // Cycle B: eve's AD disabled (mailbox still in grace), late's exception approved.
    iiq.identities.find((i) => i.name === 'eve')!.links[0]!.disabled = true;
    writeExceptions([...EXCEPTIONS, LATE_EXCEPTION]);
    expect((await run(15)).code).toBe(0);
    expect(
      sent(3)
        .map((e) => [e.event_action, e.dedup_key])
        .sort(),
    ).toEqual([
      ['resolve', key('id-eve')],
      ['resolve', key('id-late')],
    ]);
    const resolves = audit().filter((a) => a.event_action === 'resolve');
    expect(resolves.map((a) => [a.identity_name, a.reason]).sort()).toEqual([
      ['eve', 'within application grace'],
      ['late', 'exception approved'],
    ]);

    // Cycle C, the exact instant exec's exception ends: paged, reason "exception expired".
    expect((await run(119)).code).toBe(0);
    expect(sent(5)).toEqual([]);
    expect((await run(120)).code).toBe(0);
    expect(sent(5).map((e) => [e.event_action, e.dedup_key, e.payload?.custom_details.active_applications])).toEqual([
      ['trigger', key('id-exec'), ['Active Directory', 'SAP ERP']],
    ]);
    expect(audit().at(-1)).toMatchObject({ event_action: 'trigger', identity_name: 'exec', reason: 'exception expired' });

    // Cycle D, 50 h after paul's termination: Payroll's 48 h grace is over.
    expect((await run(30 * 60)).code).toBe(0);
    const paul = byKey(sent(6), 'id-paul');
    expect(paul.payload.summary).toBe('Leaver SLA breach: PAUL has 1 active account 50h after termination (Payroll SLA 48h)');
    expect(paul.payload.custom_details).toMatchObject({ sla_hours: 48, sla_application: 'Payroll', active_applications: ['Payroll'] });

    // Each exception that changed what is paged was recorded exactly once over the four cycles.
    const exceptionLines = audit().filter((a) => a.event_action === 'exception');
    expect(exceptionLines.map((a) => a.identity_name).sort()).toEqual(['exec', 'late', 'lena']);
    expect(exceptionLines.find((a) => a.identity_name === 'late')).toEqual({
      event_action: 'exception',
      identity_id: 'id-late',
      identity_name: 'late',
      tier: 'standard',
      applications: ['Active Directory'],
      until: '2026-12-01',
      expires_at: '2026-12-02T00:00:00.000Z',
      reason: 'final pay run',
      approved_by: 'hr-director@example.com',
      recorded_at: at(15),
    });

    // The end of 2026-12-01 (leaver.timezone UTC): late pages again.
    const before = pagerDuty.accepted().length;
    expect(
      (await runCliInProcess(['run', '--config', configPath, '--now', '2026-12-01T23:59:59Z'], { cwd: dir, env: { ...DEMO_ENV } })).code,
    ).toBe(0);
    expect(byKey(sent(before), 'id-late')).toBeUndefined();
    expect(
      (await runCliInProcess(['run', '--config', configPath, '--now', '2026-12-02T00:00:00Z'], { cwd: dir, env: { ...DEMO_ENV } })).code,
    ).toBe(0);
    expect(
      audit()
        .filter((a) => a.identity_name === 'late' && a.event_action === 'trigger')
        .map((a) => a.reason),
    ).toEqual(['first breach', 'exception expired']);

    // The report shows per tier the breaches exceptions covered, with reasons and expiry.
    const report = JSON.parse(
      (
        await runCliInProcess(['report', '--config', configPath, '--format', 'json', '--now', '2026-12-02T00:00:00Z'], {
          cwd: dir,
          env: {},
        })
      ).stdout,
    );
    expect(report.exceptions.tiers).toEqual({
      privileged: {
        count: 2,
        in_force: 1,
        expired: 1,
        reasons: [
          { reason: 'executive kept on as contractor (CHG-1182)', count: 1 },
          { reason: 'legal hold LH-2291', count: 1 },
        ],
        next_expiry: '2027-01-01T00:00:00.000Z',
      },
      standard: { count: 1, in_force: 0, expired: 1, reasons: [{ reason: 'final pay run', count: 1 }], next_expiry: null },
    });
    expect(report.overall).toMatchObject({ breaches: 6, open: 4, resolved: 2 });
  });

  it('dry run records nothing: no exception line, no state', async () => {
    const result = await runThroughCli(0, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
    expect(result.stderr).toContain('approved exception keeps overdue accounts from paging (dry run: not recorded)');
    expect(existsSync(join(dir, 'audit.jsonl'))).toBe(false);
    expect(existsSync(join(dir, 'watchdog-state.json'))).toBe(false);
  });

  it.each([
    ['until missing', [{ identity: 'lena', reason: 'r', approvedBy: 'a' }], 'entry [0] (identity \\"lena\\") key \\"until\\": is required'],
    [
      'not a calendar date',
      [EXCEPTIONS[0], { ...EXCEPTIONS[1], until: '2026-02-30' }],
      'entry [1] (identity \\"id-exec\\") key \\"until\\": \\"2026-02-30\\" is not a calendar date',
    ],
    ['more than 366 days ahead of --now', [{ ...EXCEPTIONS[0], until: '2027-11-26' }], 'is more than 366 days ahead'],
    ['unknown key', [{ ...EXCEPTIONS[0], approver: 'x' }], 'key \\"approver\\": unknown key'],
    ['HTML instead of JSON', '<html>login</html>', 'is not valid JSON'],
  ])('a bad exceptions file (%s) is exit 2 naming the entry and key, before IIQ is contacted', async (name, content, message) => {
    if (typeof content === 'string') writeFileSync(join(dir, 'exceptions.json'), content);
    else writeExceptions(content);
    // The built CLI once; the other files' messages come from the same command line in this process.
    const result = await (name === 'until missing' ? runThroughCli : run)(0);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(iiq.stats.requests).toBe(0);
    expect(pagerDuty.received).toHaveLength(0);
  });

  it('applicationSlaHours out of bounds is exit 2 naming the key', async () => {
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { applicationSlaHours: { 'Exchange Online': 9000 } });
    const result = await run(0);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'applicationSlaHours.Exchange Online: must be a number greater than 0 and at most 8784 (hours (366 days))',
    );
  });

  it('check lists the exceptions in force and those expiring within 14 days', async () => {
    const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    writeExceptions([
      { identity: 'lena', applications: ['Salesforce'], until: day(100), reason: 'legal hold LH-2291', approvedBy: 'legal@example.com' },
      { identity: 'exec', until: day(5), reason: 'hand-over', approvedBy: 'ciso@example.com' },
      { identity: 'late', until: day(-3), reason: 'old', approvedBy: 'hr@example.com' },
    ]);
    const text = await runCli(['check', '--config', configPath], { cwd: dir, env: { ...DEMO_ENV } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/exceptions +\S+exceptions\.json: 2 in force, 1 expiring within 14 days, 1 expired/);
    expect(text.stdout).toMatch(new RegExp(`EXPIRES SOON exec: all applications until ${day(5)}`));
    expect(text.stdout).toContain(`lena: Salesforce until ${day(100)}`);
    const json = JSON.parse(
      (await runCliInProcess(['check', '--config', configPath, '--format', 'json'], { cwd: dir, env: { ...DEMO_ENV } })).stdout,
    );
    expect(json.exceptions).toMatchObject({ expiringSoon: 1, expired: 1 });
    expect(json.exceptions.inForce.map((e: any) => [e.identity, e.expiringSoon])).toEqual([
      ['exec', true],
      ['lena', false],
    ]);
  });
});
