/**
 * The chain's own health end to end: IIQ TaskResults of "Refresh Identity Cube" page and resolve a
 * task incident. The built CLI runs once per contract (a failed task-result read as exit 3, check's
 * text, the report table); the rest runs the same command lines in this process (runCliInProcess).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq, type FakeTaskResult } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { DEMO_ENV, demoIdentities, remediate } from '../../src/sandbox/scenario.js';
import { taskDedupKey } from '../../src/sla/incident.js';
import { HOUR_MS, NOW, at } from '../helpers/clock.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TASK = 'Refresh Identity Cube';
const KEY = taskDedupKey(TASK);
// What IIQ's messages say (they name identities): never in an event, the state or the audit log.
const SECRET_MESSAGE = 'Failed refreshing Identity jdoe: CN=Jane Doe,OU=Staff,DC=corp,DC=example';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let config: string;

/** An instant `hoursAgo` before NOW as IIQ 8.x writes it: local time with a -05:00 offset. */
function iiqTime(hoursAgo: number): string {
  const ms = NOW.getTime() - hoursAgo * HOUR_MS;
  return new Date(ms - 5 * HOUR_MS).toISOString().replace('Z', '-05:00');
}

function result(id: string, name: string, completedHoursAgo: number, status: FakeTaskResult['completionStatus']): FakeTaskResult {
  return {
    id,
    name,
    launched: iiqTime(completedHoursAgo + 0.7),
    completed: iiqTime(completedHoursAgo),
    completionStatus: status,
    messages: [{ type: 'Error', localizedMessage: SECRET_MESSAGE }],
  };
}

/** One cycle in this process; `throughCli` runs the built CLI instead (a contract only a process shows). */
const run = (minutes: number, throughCli = false) =>
  (throughCli ? runCli : runCliInProcess)(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } });
const state = () => JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));

beforeEach(async () => {
  dir = makeTempDir('watchdog-chain-');
  iiq = await startFakeIiq({ identities: [], username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
  config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { chain: { tasks: [{ name: TASK, maxAgeHours: 26 }] } });
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
});

it('a failed Refresh Identity Cube result pages its task incident; a later success resolves it', async () => {
  iiq.taskResults = [
    result('t1', TASK, 2, 'Error'),
    result('t0', `${TASK} - 1`, 26.5, 'Success'),
    // Shares the prefix, is another task: its newer success must not hide the failure.
    result('x1', `${TASK} Extra`, 1, 'Success'),
  ];
  const first = await run(0);
  expect(first.code).toBe(0);
  const [trigger, ...others] = pagerDuty.accepted();
  expect(others).toEqual([]);
  expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: KEY });
  expect(KEY).toMatch(/^iiq-leaver-sla-task-refresh-identity-cube-[0-9a-f]{8}$/);
  expect(trigger.payload.severity).toBe('error');
  expect(trigger.payload.summary).toBe(
    `IdentityIQ task "${TASK}" ended Error at ${new Date(NOW.getTime() - 2 * HOUR_MS).toISOString()}: leavers after it may not have started`,
  );
  expect(trigger.payload.custom_details).toEqual({
    task_name: TASK,
    completion_status: 'Error',
    completed_at: new Date(NOW.getTime() - 2 * HOUR_MS).toISOString(),
    age_hours: 2,
    max_age_hours: 26,
  });
  for (const text of [JSON.stringify(pagerDuty.received), readFileSync(join(dir, 'watchdog-state.json'), 'utf8'), first.stderr])
    expect(text).not.toContain('CN=Jane Doe');
  expect(Object.keys(state().tasks)).toEqual([KEY]);
  expect(state().incidents).toEqual({});
  // The TaskResults read asked for the task by prefix, on the SCIM endpoint, in REST mode.
  expect(iiq.stats.byRoute['scim.taskResults']).toBeGreaterThan(0);
  expect(iiq.stats.byRoute['rest.identities']).toBeGreaterThan(0);

  // Nothing changed: nothing is re-sent.
  expect((await run(15)).code).toBe(0);
  expect(pagerDuty.received).toHaveLength(1);

  // The refresh is re-run and succeeds: resolved.
  iiq.taskResults = [...iiq.taskResults, result('t2', `${TASK} - 2`, -0.25, 'Success')];
  expect((await run(30)).code).toBe(0);
  expect(pagerDuty.accepted().slice(1)).toEqual([{ routing_key: DEMO_ENV.PAGERDUTY_ROUTING_KEY, event_action: 'resolve', dedup_key: KEY }]);
  expect(state().tasks).toEqual({});
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  expect(audit).not.toContain('CN=Jane Doe');
  const lines = audit
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines.map((line) => [line.incident_kind, line.event_action, line.dedup_key])).toEqual([
    ['chain-task', 'trigger', KEY],
    ['chain-task', 'resolve', KEY],
  ]);
});

it('a task with no success within maxAgeHours pages as stale; with none on record at all, says so', async () => {
  iiq.taskResults = [result('t0', TASK, 30, 'Success'), result('t1', `${TASK} - 1`, 3, 'TempError')];
  expect((await run(0)).code).toBe(0);
  const [stale] = pagerDuty.accepted();
  expect(stale.dedup_key).toBe(KEY);
  expect(stale.payload.summary).toBe(`IdentityIQ task "${TASK}" has not completed successfully for 30h (expected every 26h)`);
  expect(stale.payload.custom_details).toMatchObject({ completion_status: 'TempError', age_hours: 3, max_age_hours: 26 });

  iiq.taskResults = [];
  expect((await run(15)).code).toBe(0);
  const [, none] = pagerDuty.accepted();
  expect(none.dedup_key).toBe(KEY);
  expect(none.payload.summary).toBe(`IdentityIQ task "${TASK}" has no successful run on record (expected every 26h)`);
  expect(none.payload.custom_details).toEqual({
    task_name: TASK,
    completion_status: null,
    completed_at: null,
    age_hours: null,
    max_age_hours: 26,
  });
});

it('a task-result read that fails (HTTP 500) is exit 3 and resolves nothing; the identity listing still runs', async () => {
  iiq.taskResults = [result('t1', TASK, 2, 'Error')];
  expect((await run(0)).code).toBe(0);
  expect(pagerDuty.received).toHaveLength(1);

  await iiq.close();
  iiq = await startFakeIiq({
    identities: [],
    taskResults: [result('t1', TASK, 2, 'Error'), result('t2', `${TASK} - 1`, -0.1, 'Success')],
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path }) =>
      path.endsWith('/scim/v2/TaskResults')
        ? { status: 500, body: '<html>boom</html>', headers: { 'content-type': 'text/html' } }
        : undefined,
  });
  config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { chain: { tasks: [{ name: TASK, maxAgeHours: 26 }] } });
  const failed = await run(15, true);
  expect(failed.code).toBe(3);
  expect(failed.stderr).toContain('/scim/v2/TaskResults');
  expect(pagerDuty.received).toHaveLength(1);
  expect(Object.keys(state().tasks)).toEqual([KEY]);
  expect(iiq.stats.byRoute['rest.identities']).toBeGreaterThan(0);
});

it('only a "Refresh Identity Cube Extra" failure: ignored, nothing pages', async () => {
  iiq.taskResults = [result('t0', TASK, 5, 'Success'), result('x1', `${TASK} Extra`, 1, 'Error')];
  const quiet = await run(0);
  expect(quiet.code).toBe(0);
  expect(pagerDuty.received).toEqual([]);
  expect(state().tasks).toEqual({});
});

it('check lists each task with its last status and age; a task whose results cannot be read is exit 3', async () => {
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * HOUR_MS).toISOString();
  iiq.taskResults = [
    { id: 't1', name: TASK, launched: hoursAgo(3), completed: hoursAgo(2), completionStatus: 'Error' },
    { id: 'w1', name: 'Workday Aggregation', launched: hoursAgo(1) },
    { id: 'w0', name: 'Workday Aggregation - 1', launched: hoursAgo(5), completed: hoursAgo(4), completionStatus: 'Success' },
  ];
  config = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      chain: {
        tasks: [
          { name: TASK, maxAgeHours: 26 },
          { name: 'Workday Aggregation', maxAgeHours: 26 },
        ],
      },
    },
  );
  const text = await runCli(['check', '--config', config], { cwd: dir, env: { ...DEMO_ENV } });
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/chain task +Refresh Identity Cube: last Error 2h ago \(expected every 26h\): FAILING/);
  expect(text.stdout).toMatch(/chain task +Workday Aggregation: last running 1h ago \(expected every 26h\): ok/);
  const json = await runCliInProcess(['check', '--config', config, '--format', 'json'], { cwd: dir, env: { ...DEMO_ENV } });
  expect(JSON.parse(json.stdout).chainTasks).toEqual([
    { name: TASK, maxAgeHours: 26, health: 'failed', lastStatus: 'Error', ageHours: 2 },
    { name: 'Workday Aggregation', maxAgeHours: 26, health: 'ok', lastStatus: 'running', ageHours: 1 },
  ]);
  expect(pagerDuty.accepted()).toEqual([]);

  await iiq.close();
  iiq = await startFakeIiq({
    identities: [],
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path }) =>
      path.endsWith('/scim/v2/TaskResults') ? { status: 500, body: '{}', headers: { 'content-type': 'application/json' } } : undefined,
  });
  config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { chain: { tasks: [{ name: TASK, maxAgeHours: 26 }] } });
  const failed = await runCliInProcess(['check', '--config', config], { cwd: dir, env: { ...DEMO_ENV } });
  expect(failed.code).toBe(3);
  expect(failed.stdout).toMatch(/chain task +Refresh Identity Cube: PROBLEM: task results could not be read: .*TaskResults.*500/);
});

it('report keeps the task incident out of the overall, tier and application figures and lists it under chain_tasks', async () => {
  iiq.identities = demoIdentities(NOW);
  iiq.taskResults = [result('t1', TASK, 2, 'Error')];
  expect((await run(0)).code).toBe(0);
  remediate(iiq.identities, 'jdoe');
  iiq.taskResults = [...iiq.taskResults, result('t2', `${TASK} - 1`, -0.25, 'Success')];
  expect((await run(30)).code).toBe(0);
  // The table through the built CLI; the other formats from the same command line in this process.
  const report = (format: string) =>
    (format === 'table' ? runCli : runCliInProcess)(['report', '--config', config, '--format', format, '--now', at(60)], {
      cwd: dir,
      env: {},
    });
  const json = JSON.parse((await report('json')).stdout);
  expect(json.overall).toMatchObject({ breaches: 2, open: 1, resolved: 1 });
  expect(Object.keys(json.tiers).sort()).toEqual(['privileged', 'standard']);
  expect(json.applications.map((a: { application: string }) => a.application).sort()).toEqual(['Active Directory', 'Salesforce']);
  expect(json.chain_tasks).toEqual([
    {
      task_name: TASK,
      dedup_key: KEY,
      incidents: 1,
      resolved: 1,
      open: false,
      pages: 1,
      last_triggered_at: NOW.toISOString(),
      last_cause: 'failed',
      last_completion_status: 'Error',
      last_resolved_at: at(30),
    },
  ]);
  expect((await report('table')).stdout).toMatch(/Chain tasks .*\n.*\n {2}Refresh Identity Cube +1 +no +1 /);
  expect((await report('csv')).stdout).toContain(
    `\r\n\r\nchain_task,dedup_key,incidents,open,resolved,pages,last_triggered_at,last_completion_status,last_resolved_at\r\nRefresh Identity Cube,${KEY},1,false,1,1,`,
  );
  expect((await report('html')).stdout).toContain('<section id="chain-tasks">');
});
