/**
 * Identity Security Cloud as the source, end to end against the fake ISC:
 * account reads where the index lags, deleted and re-activated identities, failed reads (exit 3,
 * nothing resolved), 429 + Retry-After, one source per config, check.
 * The built CLI runs once per contract (a paging cycle, a failed read as exit 3, a config error as
 * exit 2, check's text); the other cycles run the same command lines in this process (runCliInProcess).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { iscError, rateLimited, startFakeIsc, type FakeIsc, type FakeResponse } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { JANE_DEDUP_KEY, JOHN_DEDUP_KEY, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { runCliInProcess } from '../helpers/in-process-cli.js';
import { NOW } from '../helpers/clock.js';
import { errorLines } from '../helpers/cli-logs.js';

const LATER = new Date(NOW.getTime() + 15 * 60_000);
type Fault = (req: { method: string; path: string; attempt: number }) => FakeResponse | undefined;

let dir: string;
let isc: FakeIsc;
let pagerDuty: FakePagerDuty;
let fault: Fault | undefined;

beforeEach(async () => {
  fault = undefined;
  dir = mkdtempSync(join(tmpdir(), 'watchdog-isc-'));
  isc = await startFakeIsc({ identities: toIscIdentities(demoIdentities(NOW)), fault: (req) => fault?.(req) });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([isc.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** One cycle in this process; `throughCli` runs the built CLI instead (a contract only a process shows). */
function cycle(at: Date, isc_: Record<string, unknown> = {}, args: string[] = [], throughCli = false) {
  const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url, { retries: 1, ...isc_ }));
  return (throughCli ? runCli : runCliInProcess)(['run', '--config', config, '--now', at.toISOString(), ...args], {
    cwd: dir,
    env: { ...ISC_DEMO_ENV },
  });
}
const sent = (action: string) =>
  pagerDuty
    .accepted()
    .filter((e) => e.event_action === action)
    .map((e) => e.dedup_key)
    .sort();
const state = () =>
  JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as {
    incidents: Record<string, unknown>;
    health: { lastError?: string };
  };

describe('ISC as the source', () => {
  it('pages the leavers whose accounts /v3/accounts shows enabled; reads no accounts for those the search shows disabled', async () => {
    const result = await cycle(NOW, {}, [], true);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('trigger')).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);
    // Jane and John only: Olga's search document shows every account disabled, Hank's only an excluded one.
    expect(isc.stats.byRoute.accounts).toBe(2);
    expect(isc.stats.offsetSearches).toBe(0);
    const jane = pagerDuty.accepted().find((e) => e.dedup_key === JANE_DEDUP_KEY);
    expect(jane.payload.component).toBe('identity-security-cloud');
    expect(jane.links).toEqual([
      {
        href: `${isc.url}/ui/a/admin/identities/0a1b2c3d4e5f60718293a4b5c6d7e8f9/details/attributes`,
        text: 'Identity in Identity Security Cloud',
      },
    ]);
  });

  it('lag: the search still shows accounts enabled that /v3/accounts shows disabled: no page', async () => {
    isc.lagIndex();
    remediateIsc(isc.identities, 'jdoe');
    remediateIsc(isc.identities, 'jsmith');
    const result = await cycle(NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(pagerDuty.accepted()).toEqual([]);
    expect(isc.stats.byRoute.accounts).toBe(2);
  });

  it('lag: an open incident is resolved on /v3/accounts, not on the stale search document', async () => {
    await cycle(NOW);
    isc.lagIndex();
    remediateIsc(isc.identities, 'jdoe');
    const result = await cycle(LATER);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('resolve')).toEqual([JANE_DEDUP_KEY]);
  });

  it('a deleted identity and one re-activated with its termination withdrawn: both incidents are resolved', async () => {
    expect((await cycle(NOW)).code).toBe(0);
    isc.identities = isc.identities.filter((identity) => identity.name !== 'jdoe');
    const john = isc.identities.find((identity) => identity.name === 'jsmith');
    // Active again with a past termination would still be a leaver (not started); without one it is no longer a leaver.
    if (john) {
      john.attributes.cloudLifecycleState = 'active';
      delete john.attributes.hrTerminationDate;
    }
    const result = await cycle(LATER);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('resolve')).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);
    expect(state().incidents).toEqual({});
  });

  it('a 429 with Retry-After: everyone waits, then the cycle completes', async () => {
    fault = ({ path, attempt }) => (path === '/v3/search' && attempt === 1 ? rateLimited(1) : undefined);
    const result = await cycle(NOW);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('trigger')).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);
    expect(result.stderr).toMatch(
      // SailPoint's 429 body is `{"message"}`, trimmed onto the line.
      /ISC POST \/v3\/search: HTTP 429: Rate Limit Exceeded/,
    );
  });
});

describe('ISC failed reads: exit 3, nothing resolved', () => {
  const html: FakeResponse = {
    status: 200,
    body: '<!DOCTYPE html><html><title>Sign in</title></html>',
    headers: { 'content-type': 'text/html' },
  };
  const badJson: FakeResponse = { status: 200, body: '[{"id": "0a1b', headers: { 'content-type': 'application/json' } };
  // Every case starts where the same first cycle left off (Jane's and John's incidents open): that
  // cycle runs once, against fakes of its own, and each case starts from a copy of its files.
  let opened: [string, Buffer][] = [];
  beforeAll(async () => {
    const first = mkdtempSync(join(tmpdir(), 'watchdog-isc-first-'));
    const [firstIsc, firstPagerDuty] = await Promise.all([
      startFakeIsc({ identities: toIscIdentities(demoIdentities(NOW)) }),
      startFakePagerDuty(),
    ]);
    try {
      const config = writeDemoConfig(
        first,
        { iiq: firstIsc.url, pagerDuty: firstPagerDuty.url },
        iscConfigOverrides(firstIsc.url, { retries: 1 }),
      );
      const result = await runCliInProcess(['run', '--config', config, '--now', NOW.toISOString()], {
        cwd: first,
        env: { ...ISC_DEMO_ENV },
      });
      expect(result.code, result.stderr).toBe(0);
      opened = readdirSync(first)
        .filter((name) => name !== 'config.json')
        .map((name) => [name, readFileSync(join(first, name))]);
    } finally {
      await Promise.all([firstIsc.close(), firstPagerDuty.close()]);
      rmSync(first, { recursive: true, force: true });
    }
  });

  const cases: [string, Fault, RegExp][] = [
    [
      'an HTML page for the search',
      ({ path }) => (path === '/v3/search' ? html : undefined),
      /ISC POST \/v3\/search answered an HTML page instead of JSON/,
    ],
    [
      'a 500 for the search',
      ({ path }) => (path === '/v3/search' ? iscError(500, 'Internal fault: shard es-07 unavailable') : undefined),
      /ISC POST \/v3\/search failed: HTTP 500 \(after 2 attempts\)/,
    ],
    [
      'invalid JSON for the search',
      ({ path }) => (path === '/v3/search' ? badJson : undefined),
      /ISC POST \/v3\/search answered invalid or truncated JSON/,
    ],
    [
      'a 401 for the search, also after renewal',
      ({ path }) => (path === '/v3/search' ? iscError(401, 'Unauthorized') : undefined),
      /ISC POST \/v3\/search refused the credentials: HTTP 401; check ISC_CLIENT_ID\/ISC_CLIENT_SECRET/,
    ],
    [
      'a 403 for the accounts',
      ({ path }) => (path === '/v3/accounts' ? iscError(403, 'Forbidden') : undefined),
      /ISC GET \/v3\/accounts refused access: HTTP 403; the PAT or API client needs idn:accounts:read/,
    ],
    [
      'a 500 for the accounts',
      ({ path }) => (path === '/v3/accounts' ? iscError(500, 'Internal fault: shard es-07 unavailable') : undefined),
      /ISC GET \/v3\/accounts failed: HTTP 500/,
    ],
    [
      'a refused token request',
      ({ path }) =>
        path === '/oauth/token' ? { status: 401, body: '{"error":"invalid_client","error_description":"Bad credentials"}' } : undefined,
      /ISC token request refused: HTTP 401/,
    ],
  ];

  it.each(cases)('%s', async (name, respond, message) => {
    for (const [name, bytes] of opened) writeFileSync(join(dir, name), bytes);
    // Remediated meanwhile: only a read that pretended "no accounts" could resolve now.
    remediateIsc(isc.identities, 'jdoe');
    remediateIsc(isc.identities, 'jsmith');
    fault = respond;
    // The built CLI for the first case; the others' messages come from the same command line in this process.
    const result = await cycle(LATER, { timeoutSeconds: 2 }, [], name === cases[0]![0]);
    expect(result.code).toBe(3);
    expect(
      errorLines(result.stderr)
        .map((l) => `${l.msg} ${l.error ?? ''} ${l.summary?.sourceReadError ?? ''}`)
        .join('\n'),
    ).toMatch(message);
    expect(sent('resolve')).toEqual([]);
    expect(Object.keys(state().incidents).sort()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);
    // A short classified error in the state, never ISC's own text.
    expect(state().health.lastError).toMatch(/^ISC /);
    expect(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).not.toMatch(/shard es-07|Bad credentials|trackingId|Sign in/);
  });

  it("ISC's text and trackingId are in the logs for support", async () => {
    fault = ({ path }) => (path === '/v3/search' ? iscError(500, 'Internal fault: shard es-07 unavailable') : undefined);
    const result = await cycle(NOW);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /HTTP 500: Internal fault: shard es-07 unavailable \(detailCode 500 Internal Server Error, trackingId [0-9a-f]{32}\)/,
    );
  });

  it('a timeout on every attempt', async () => {
    fault = ({ path }) => (path === '/v3/search' ? { status: 200, hang: true } : undefined);
    const result = await cycle(NOW, { timeoutSeconds: 0.3 });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no answer within 0\.3 s \(timeout\) \(after 2 attempts\)/);
  });
});

describe('one source per config, and check', () => {
  it.each([
    ['both iiq and isc', { iiq: { baseUrl: 'http://127.0.0.1:9/identityiq' } }, /both "iiq" and "isc" are set/],
    ['neither', { isc: undefined }, /one of "iiq" \(IdentityIQ\) or "isc" \(Identity Security Cloud\) is required/],
  ])('%s: exit 2 naming the keys, nothing contacted', async (name, extra, message) => {
    const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, { ...iscConfigOverrides(isc.url), ...extra });
    const result = await (name === 'neither' ? runCliInProcess : runCli)(['run', '--config', config], {
      cwd: dir,
      env: { ...ISC_DEMO_ENV },
    });
    expect(result.code).toBe(2);
    expect(
      errorLines(result.stderr)
        .map((l) => l.msg)
        .join('\n'),
    ).toMatch(message);
    expect(isc.stats.requests).toBe(0);
    expect(pagerDuty.received).toEqual([]);
  });

  it('check authenticates, reads one search page and tells leavers and parsed dates; a wrong secret is exit 3', async () => {
    // check probes the PagerDuty URL with a keyless event: that probe goes to a fake of its
    // own, so `pagerDuty` (where incidents would be opened) must still receive nothing at all.
    const probed = await startFakePagerDuty();
    onTestFinished(() => probed.close());
    const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: probed.url }, iscConfigOverrides(isc.url, { pageSize: 5 }));
    const ok = await runCli(['check', '--config', config], { cwd: dir, env: { ...ISC_DEMO_ENV } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^isc +http:\/\/127\.0\.0\.1:\d+ \(lifecycle states inactive\): authenticated, first search page read$/m);
    expect(ok.stdout).toMatch(/^identities +5 leavers on the first search page$/m);
    expect(ok.stdout).toMatch(/^termination +5 parsed, 0 not parseable$/m);
    // One search page of leavers, and the not-started listing (none: every demo identity is inactive).
    expect(isc.stats.byRoute).toEqual({ token: 1, search: 2 });
    const refused = await runCliInProcess(['check', '--config', config], {
      cwd: dir,
      env: { ...ISC_DEMO_ENV, ISC_CLIENT_SECRET: 'wrong-secret-value' },
    });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(
      /^isc .*PROBLEM: ISC token request refused: HTTP 401; check ISC_CLIENT_ID\/ISC_CLIENT_SECRET.*; ISC said HTTP 401 \(invalid_client: Bad credentials\)$/m,
    );
    expect(pagerDuty.received).toEqual([]);
    // The probe fake got one keyless probe per check, answered 400: nothing was opened.
    expect(probed.received.map((r) => [r.status, 'routing_key' in r.body])).toEqual([
      [400, false],
      [400, false],
    ]);
    expect(probed.accepted()).toEqual([]);
  });
});
