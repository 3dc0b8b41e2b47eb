/**
 * ISC cycles through the built CLI (success, dry run, failures, an error body that echoes the
 * Authorization header, check, a refused secret), with trace logs: neither the client secret
 * (raw, URL- or form-encoded) nor any issued access token nor the routing key is in any output or file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iscError, startFakeIsc, type FakeIsc, type FakeResponse } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { iscConfigOverrides, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';

const SECRET = 'S3cr3t+/=&isc!value with space';
const ROUTING_KEY = 'ISCLEAKCANARYR0UT1NGKEY012345678';
const ENV = { ISC_CLIENT_ID: 'watchdog-client', ISC_CLIENT_SECRET: SECRET, PAGERDUTY_ROUTING_KEY: ROUTING_KEY };

let isc: FakeIsc;
let pagerDuty: FakePagerDuty;
let fault: ((req: { path: string; authorization: string | undefined }) => FakeResponse | undefined) | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  isc = await startFakeIsc({
    identities: toIscIdentities(demoIdentities(NOW)),
    clientSecret: SECRET,
    tokenTtlSeconds: 600,
    fault: (req) => fault?.(req),
  });
  pagerDuty = await startFakePagerDuty();
});
afterAll(async () => {
  await Promise.all([isc.close(), pagerDuty.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const secrets = () => [
  SECRET,
  encodeURIComponent(SECRET),
  new URLSearchParams({ s: SECRET }).toString().slice(2),
  ROUTING_KEY,
  ...isc.issuedTokens,
];

const cases: [string, string[], (() => void) | undefined, Record<string, string>, number][] = [
  ['a successful cycle', ['run'], undefined, ENV, 0],
  ['a dry run', ['run', '--dry-run'], undefined, ENV, 0],
  ['a 500 on the search', ['run'], () => (fault = ({ path }) => (path === '/v3/search' ? iscError(500, 'down') : undefined)), ENV, 3],
  [
    'an error body that echoes the Authorization header',
    ['run'],
    () =>
      (fault = ({ path, authorization }) =>
        path === '/v3/accounts' ? iscError(500, `proxy error; request had Authorization: ${authorization}`) : undefined),
    ENV,
    3,
  ],
  ['check', ['check'], undefined, ENV, 0],
  ['a refused secret', ['run'], undefined, { ...ENV, ISC_CLIENT_SECRET: `${SECRET}-wrong` }, 3],
];

describe('no ISC secret or token in any output or file', () => {
  it.each(cases)('%s', async (_name, command, arrange, env, expectedCode) => {
    fault = undefined;
    arrange?.();
    const dir = mkdtempSync(join(tmpdir(), 'watchdog-isc-leak-'));
    dirs.push(dir);
    const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url, { retries: 0 }));
    const result = await runCli(
      [...command, '--config', config, '--now', NOW.toISOString(), '--log-level', 'trace'].filter(
        (a, i, all) => !(command[0] === 'check' && (a === '--now' || all[i - 1] === '--now')),
      ),
      { cwd: dir, env },
    );
    expect(result.code, result.stderr).toBe(expectedCode);
    const written = [result.stdout, result.stderr, ...readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'))].join('\n');
    expect(written.length).toBeGreaterThan(100);
    expect(isc.issuedTokens.length).toBeGreaterThan(0);
    for (const secret of secrets()) expect(written).not.toContain(secret);
  });
});
