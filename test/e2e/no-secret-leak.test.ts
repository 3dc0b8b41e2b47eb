/**
 * Runs whole cycles (success, IIQ faults, PagerDuty faults, dry run, config errors) through the
 * built CLI and scans everything written (stdout, stderr, state, audit, dead letter) for the
 * IIQ password, the Basic header and the routing key.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';

const PASSWORD = 'Pa55-w0rd-that-must-never-leak';
const ROUTING_KEY = 'LEAKCANARYR0UT1NGKEY0123456789ab';
const ENV = { IIQ_USERNAME: 'svc-watchdog', IIQ_PASSWORD: PASSWORD, PAGERDUTY_ROUTING_KEY: ROUTING_KEY };
const BASIC = Buffer.from(`svc-watchdog:${PASSWORD}`).toString('base64');
const CLIENT_SECRET = 'oauth-client-secret-never-printed';

/** A loopback pass-through in front of the fake IIQ that records every access_token it hands out. */
async function captureTokens(target: string, issued: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          if (req.url?.endsWith('/oauth2/token') && answer.statusCode === 200)
            issued.push((JSON.parse(body) as { access_token: string }).access_token);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    req.pipe(forward);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

let iiqFault: ((path: string) => FakeResponse | undefined) | undefined;
let pagerDutyFault: FakeResponse | undefined;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;

beforeAll(async () => {
  iiq = await startFakeIiq({
    identities: demoIdentities(NOW),
    username: ENV.IIQ_USERNAME,
    password: PASSWORD,
    fault: ({ path }) => iiqFault?.(path),
  });
  pagerDuty = await startFakePagerDuty({ respond: () => pagerDutyFault });
});
afterAll(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
});

function everythingWritten(dir: string, output: { stdout: string; stderr: string }): string {
  const files = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
  return [output.stdout, output.stderr, ...files].join('\n');
}

const cases: [string, () => void, string[], number][] = [
  ['a successful cycle', () => undefined, [], 0],
  ['a dry run', () => undefined, ['--dry-run'], 0],
  ['IIQ 401', () => (iiqFault = () => ({ status: 401, body: '<html>login x</html>', headers: { 'content-type': 'text/html' } })), [], 3],
  [
    'IIQ login page',
    () => (iiqFault = () => ({ status: 200, body: '<html><form>login</form></html>', headers: { 'content-type': 'text/html' } })),
    [],
    3,
  ],
  ['IIQ 500', () => (iiqFault = () => ({ status: 500, body: 'Internal error' })), [], 3],
  [
    'IIQ truncated JSON',
    () => (iiqFault = () => ({ status: 200, body: '{"count": 5, "objects": [{"id":', headers: { 'content-type': 'application/json' } })),
    [],
    3,
  ],
  ['IIQ links 500', () => (iiqFault = (path) => (path.endsWith('/links') ? { status: 500 } : undefined)), [], 3],
  ['PagerDuty 500 (dead letter)', () => (pagerDutyFault = { status: 500, body: '{"status":"error"}' }), [], 1],
  ['PagerDuty 400', () => (pagerDutyFault = { status: 400, body: '{"status":"invalid event","errors":["bad"]}' }), [], 1],
];

describe('no secret in any output', () => {
  it.each(cases)('%s', async (_name, arrange, extraArgs, expectedCode) => {
    iiqFault = undefined;
    pagerDutyFault = undefined;
    arrange();
    const dir = makeTempDir('watchdog-leak-');
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, {});
    const result = await runCli(['run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'trace', ...extraArgs], {
      cwd: dir,
      env: ENV,
    });
    expect(result.code).toBe(expectedCode);
    const written = everythingWritten(dir, result);
    expect(written.length).toBeGreaterThan(100);
    for (const secret of [PASSWORD, BASIC, ROUTING_KEY]) expect(written).not.toContain(secret);
  });

  // IIQ echoing the request (a connector error quoting a DN, a proxy dumping headers): with the
  // health incident paged at once, the error reaches state and the health event in classified form only.
  const PROXY_CREDENTIAL = Buffer.from('proxy-user:proxy-pass-not-ours').toString('base64');
  const echo = `Connector failed for CN=Jane Doe,OU=Staff,DC=corp,DC=example; headers: Authorization: Basic ${BASIC}, Proxy-Authorization: Basic ${PROXY_CREDENTIAL}; password=${PASSWORD}`;
  it.each<[string, (path: string) => boolean]>([
    ['IIQ 500 on the listing echoing Authorization', (path) => path.endsWith('/rest/identities')],
    ['IIQ 500 on links echoing Authorization', (path) => path.endsWith('/links')],
    ['IIQ HTML 404 on links echoing Authorization', (path) => path.endsWith('/links')],
  ])('%s', async (name, where) => {
    pagerDutyFault = undefined;
    const status = name.includes('404') ? 404 : 500;
    iiqFault = (path) =>
      where(path)
        ? {
            status,
            body: status === 404 ? `<html>${echo}</html>` : JSON.stringify({ message: echo }),
            headers: { 'content-type': status === 404 ? 'text/html' : 'application/json' },
          }
        : undefined;
    const dir = makeTempDir('watchdog-leak-');
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, { health: { alertAfterFailures: 1 } });
    const before = pagerDuty.received.length;
    const result = await runCli(['run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'trace'], { cwd: dir, env: ENV });
    expect(result.code).toBe(3);
    const sent = JSON.stringify(pagerDuty.received.slice(before));
    expect(sent).toContain('iiq-leaver-sla-watchdog-health');
    const written = everythingWritten(dir, result);
    for (const secret of [PASSWORD, BASIC, ROUTING_KEY, PROXY_CREDENTIAL]) expect(written).not.toContain(secret);
    // What PagerDuty received carries the routing key by design, and nothing else secret.
    for (const secret of [PASSWORD, BASIC, PROXY_CREDENTIAL]) expect(sent).not.toContain(secret);
    const files = readdirSync(dir)
      .filter((file) => file !== 'config.json')
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    for (const body of ['CN=Jane Doe', 'Connector failed']) {
      expect(files).not.toContain(body);
      expect(sent).not.toContain(body);
    }
  });

  it('an OAuth cycle over SCIM: neither the client secret nor any issued token appears', async () => {
    iiqFault = undefined;
    pagerDutyFault = undefined;
    const issued: string[] = [];
    const oauthIiq = await startFakeIiq({
      identities: demoIdentities(NOW),
      oauth: { clientId: 'watchdog-client', clientSecret: CLIENT_SECRET, tokenTtlSeconds: 3600 },
    });
    const tokenSpy = await captureTokens(oauthIiq.url, issued);
    try {
      const dir = makeTempDir('watchdog-leak-');
      const config = writeDemoConfig(
        dir,
        { iiq: tokenSpy.url, pagerDuty: pagerDuty.url },
        {
          iiq: { baseUrl: tokenSpy.url, api: 'scim', auth: 'oauth', pageSize: 2, retryMinDelayMs: 10 },
        },
      );
      const env = { IIQ_CLIENT_ID: 'watchdog-client', IIQ_CLIENT_SECRET: CLIENT_SECRET, PAGERDUTY_ROUTING_KEY: ROUTING_KEY };
      const result = await runCli(['run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'trace'], { cwd: dir, env });
      expect(result.code).toBe(0);
      expect(issued.length).toBeGreaterThan(0);
      const written = everythingWritten(dir, result);
      for (const secret of [CLIENT_SECRET, Buffer.from(`watchdog-client:${CLIENT_SECRET}`).toString('base64'), ROUTING_KEY, ...issued]) {
        expect(written).not.toContain(secret);
      }
    } finally {
      await Promise.all([oauthIiq.close(), tokenSpy.close()]);
    }
  });

  it('a config error that names the variable, not its value', async () => {
    const dir = makeTempDir('watchdog-leak-');
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const result = await runCli(['run', '--config', config], { cwd: dir, env: { ...ENV, PAGERDUTY_ROUTING_KEY: `${ROUTING_KEY}x` } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PAGERDUTY_ROUTING_KEY must be 32 characters');
    for (const secret of [PASSWORD, BASIC, ROUTING_KEY]) expect(everythingWritten(dir, result)).not.toContain(secret);
    expect(existsSync(join(dir, 'watchdog-state.json'))).toBe(false);
  });
});
