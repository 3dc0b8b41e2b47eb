/**
 * End to end against the loopback fakes: what counts as "gone". An HTML 404
 * is a failed read; names with `/` are read as themselves (or fail loudly), `.` and `..` never by path over REST; an
 * identity missing from an offset-paged listing is looked up before its incident is resolved.
 * One failed read goes through the built CLI (exit 3 with the summary on stderr); the other cycles
 * run the same command lines in this process (runCliInProcess).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIdentity, type FakeIiq, type FakeIiqOptions, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY, JOHN_DEDUP_KEY } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLines, summaryOf } from '../helpers/cli-logs.js';

type Hook = (path: string, query: URLSearchParams) => FakeResponse | undefined;

let dir: string;
let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty;
let hook: Hook | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-gone-'));
  hook = undefined;
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty.close()]);
  iiq = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startIiq(identities: FakeIdentity[], options: Partial<FakeIiqOptions> = {}): Promise<FakeIiq> {
  iiq = await startFakeIiq({
    identities,
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path, query }) => hook?.(path, query),
    ...options,
  });
  return iiq;
}
/** One cycle in this process; `throughCli` runs the built CLI instead (a contract only a process shows). */
function run(minutes: number, iiqOverrides: Record<string, unknown> = {}, throughCli = false) {
  const config = writeDemoConfig(
    dir,
    { iiq: iiq!.url, pagerDuty: pagerDuty.url },
    { iiq: { baseUrl: iiq!.url, api: 'rest', pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10, ...iiqOverrides } },
  );
  return (throughCli ? runCli : runCliInProcess)(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } });
}
const logLines = jsonLines;
const stateIncidents = () =>
  Object.keys((JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as { incidents: object }).incidents).sort();
const resolves = () =>
  pagerDuty
    .accepted()
    .filter((event) => event.event_action === 'resolve')
    .map((event) => event.dedup_key);
const auditLines = () =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);

/** A standard-tier leaver terminated 20 h before NOW (past 2 × SLA) with one enabled account. */
function leaver(id: string, name: string): FakeIdentity {
  return {
    id,
    name,
    displayName: `Leaver ${name}`,
    inactive: true,
    attributes: { hrTerminationDate: at(-20 * 60), risk_tier: 'standard' },
    links: [
      {
        id: `${id}-ad`,
        application: 'Active Directory',
        nativeIdentity: `CN=${id},OU=Staff,DC=corp,DC=example`,
        displayName: name,
        disabled: false,
      },
    ],
  };
}

describe('a 404 is "gone" only when IIQ says so', () => {
  it('an HTML 404 on the links endpoint resolves nothing: exit 3, incidents kept', async () => {
    await startIiq(demoIdentities(NOW));
    expect((await run(0)).code).toBe(0);
    expect(stateIncidents()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY].sort());

    // A servlet container or proxy now answers the links path with its own 404 page.
    hook = (path) =>
      path.endsWith('/links')
        ? { status: 404, body: '<html><body><h1>HTTP Status 404 - Not Found</h1></body></html>', headers: { 'content-type': 'text/html' } }
        : undefined;
    const second = await run(15, {}, true);
    expect(second.code).toBe(3);
    expect(resolves()).toEqual([]);
    expect(stateIncidents()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY].sort());
    expect(summaryOf(second.stderr).sourceReadError).toMatch(/answered HTTP 404 with an HTML page/);
  });

  it("IIQ's own JSON 404, confirmed by the identity lookup, still resolves as deleted", async () => {
    await startIiq(demoIdentities(NOW));
    expect((await run(0)).code).toBe(0);
    hook = (path) =>
      path === '/identityiq/rest/identities/jdoe/links' || path === '/identityiq/rest/identities/jdoe'
        ? { status: 404, body: '{"message":"Identity jdoe not found"}' }
        : undefined;
    expect((await run(15)).code).toBe(0);
    expect(resolves()).toEqual([JANE_DEDUP_KEY]);
    expect(auditLines().find((line) => line.event_action === 'resolve')).toMatchObject({
      identity_name: 'jdoe',
      reason: 'identity deleted',
    });
  });
});

describe('identity names are one path segment', () => {
  const odd = () => [leaver('id-slash', 'CORP/jdoe'), leaver('id-dot', '.'), leaver('id-dotdot', '..')];

  it('scim: `CORP/jdoe`, `.` and `..` are each read as themselves (by id) and paged', async () => {
    await startIiq(odd());
    const result = await run(0, { api: 'scim' });
    expect(result.code).toBe(0);
    expect(
      pagerDuty
        .accepted()
        .map((event) => event.payload.custom_details.identity_name)
        .sort(),
    ).toEqual(['.', '..', 'CORP/jdoe']);
  });

  it('rest: `CORP/jdoe` is read as itself; `.` and `..` are never read by path: a failed read naming them and suggesting SCIM, exit 3', async () => {
    const fake = await startIiq(odd());
    const result = await run(0, { api: 'rest' });
    expect(result.code).toBe(3);
    expect(pagerDuty.accepted().map((event) => event.payload.custom_details.identity_name)).toEqual(['CORP/jdoe']);
    expect(fake.stats.byRoute).toMatchObject({ 'rest.links': 1 });
    const failures = logLines(result.stderr).filter((line) => line.msg.startsWith('accounts could not be read'));
    expect(failures.map((line) => line.identity).sort()).toEqual(['.', '..']);
    for (const failure of failures)
      expect(failure.error).toMatch(/identity "\.\.?" \(id-dot(dot)?\) cannot be read by name .*"api": "scim"/);
  });

  it('rest behind a server that normalises %2E%2E: an open incident of `..` is never resolved by the answer for another path', async () => {
    await startIiq(odd());
    expect((await run(0, { api: 'scim' })).code).toBe(0);
    expect(stateIncidents()).toEqual(['iiq-leaver-sla-id-dot', 'iiq-leaver-sla-id-dotdot', 'iiq-leaver-sla-id-slash']);
    // The normalised path lands on something IIQ answers with its own JSON 404, which would read as "gone".
    hook = (path) => (/%2E/i.test(path) ? { status: 404, body: '{"message":"not found"}' } : undefined);
    const second = await run(15, { api: 'rest' });
    expect(second.code).toBe(3);
    expect(resolves()).toEqual([]);
    expect(stateIncidents()).toEqual(['iiq-leaver-sla-id-dot', 'iiq-leaver-sla-id-dotdot', 'iiq-leaver-sla-id-slash']);
    expect(summaryOf(second.stderr).sourceReadError).toMatch(/cannot be read by name/);
  });

  it('behind Apache refusing %2F (HTML 404): never "counted past SLA, never paged, exit 0": exit 3 naming the path', async () => {
    await startIiq(odd(), { rejectEncodedSlashes: true });
    const result = await run(0);
    expect(result.code).toBe(3);
    expect(pagerDuty.accepted()).toEqual([]); // `.` and `..` are never read by path; CORP/jdoe fails at the server
    const failure = logLines(result.stderr).find(
      (line) => line.msg.startsWith('accounts could not be read') && line.identity === 'CORP/jdoe',
    );
    expect(failure).toMatchObject({
      identity: 'CORP/jdoe',
      error: expect.stringContaining('IIQ GET /rest/identities/CORP%2Fjdoe/links answered HTTP 404 with an HTML page'),
    });
    expect(summaryOf(result.stderr)).toMatchObject({ pastSla: 3, sourceReadError: expect.any(String) });
  });
});

describe('absent from a complete listing is not proof', () => {
  const four = () => [leaver('id-a', 'a'), leaver('id-b', 'b'), leaver('id-c', 'c'), leaver('id-d', 'd')];
  /** While the listing is paged, `a` (on the first page) is reactivated: every later offset shifts by one. */
  function reactivateAMidListing(api: 'rest' | 'scim'): void {
    let done = false;
    hook = (path, query) => {
      const secondPage =
        api === 'rest'
          ? path.endsWith('/rest/identities') && query.get('start') === '2'
          : path.endsWith('/scim/v2/Users') && query.get('startIndex') === '3';
      if (secondPage && !done) {
        done = true;
        // Reactivated and no longer a leaver (HR withdrew the termination): active with a past termination would still be one.
        iiq!.identities = iiq!.identities.map((identity) =>
          identity.name === 'a' ? { ...identity, inactive: false, attributes: { risk_tier: 'standard' } } : identity,
        );
      }
      return undefined;
    };
  }

  it.each(['rest', 'scim'] as const)(
    '%s: a still-inactive identity skipped by the shift keeps its incident; the reactivated one resolves once confirmed',
    async (api) => {
      const fake = await startIiq(four());
      expect((await run(0, { api })).code).toBe(0);
      expect(stateIncidents()).toHaveLength(4);

      reactivateAMidListing(api);
      fake.resetStats();
      const second = await run(15, { api });
      expect(second.code).toBe(0);
      expect(resolves()).toEqual([]); // c was skipped by the listing but is still inactive with an enabled account
      expect(stateIncidents()).toHaveLength(4);
      expect(summaryOf(second.stderr)).toMatchObject({ inactiveListed: 3, identitiesLookedUp: 1, resolved: 0 });
      expect(fake.stats.byRoute[api === 'rest' ? 'rest.identity' : 'scim.user']).toBe(1);

      // Next cycle `a` is not listed at all: looked up, found active, resolved with that reason.
      const third = await run(30, { api });
      expect(third.code).toBe(0);
      expect(resolves()).toEqual(['iiq-leaver-sla-id-a']);
      expect(
        auditLines()
          .filter((line) => line.event_action === 'resolve')
          .map((line) => [line.identity_name, line.reason]),
      ).toEqual([['a', 'no longer a leaver']]);
    },
  );

  it('a lookup that fails (HTML 404) holds the incident: exit 3, nothing resolved', async () => {
    await startIiq(four());
    expect((await run(0)).code).toBe(0);
    iiq!.identities = iiq!.identities.filter((identity) => identity.name !== 'c');
    hook = (path) =>
      path === '/identityiq/rest/identities/c'
        ? { status: 404, body: '<html>Not Found</html>', headers: { 'content-type': 'text/html' } }
        : undefined;
    const second = await run(15);
    expect(second.code).toBe(3);
    expect(resolves()).toEqual([]);
    expect(stateIncidents()).toContain('iiq-leaver-sla-id-c');
  });
});
