/**
 * TLS verification stays on (an internal CA is added with iiq.caFile), and HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY are honoured for IIQ and PagerDuty. Loopback only: a self-signed
 * HTTPS front for the fake IIQ and a CONNECT proxy that records where it tunnels.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let httpsFront: Server;
let proxy: Server;
let httpsUrl: string;
let proxyUrl: string;
let tunnels: string[];

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  dir = makeTempDir('watchdog-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=iiq.internal.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'ca.pem'),
    ],
    { stdio: 'ignore' },
  );
  iiq = await startFakeIiq({ identities: demoIdentities(NOW), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  pagerDuty = await startFakePagerDuty();
  const upstream = new URL(iiq.url);
  // HTTPS front: forwards every request to the plain-HTTP fake IIQ.
  httpsFront = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  httpsUrl = `https://127.0.0.1:${await listen(httpsFront)}/identityiq`;
  // Every target here is on loopback: tunnel to the port asked for.
  ({ server: proxy, url: proxyUrl, tunnels } = await startConnectProxy((_host, port) => port));
});
afterAll(async () => {
  proxy.closeAllConnections();
  (httpsFront as unknown as { closeAllConnections(): void }).closeAllConnections();
  await Promise.all([iiq.close(), pagerDuty.close(), new Promise((r) => proxy.close(r)), new Promise((r) => httpsFront.close(r))]);
});

/** Writes the demo config pointing at the HTTPS front, with `iiq.caFile` when given. */
function writeConfig(caFile?: string): string {
  const config = writeDemoConfig(dir, { iiq: httpsUrl, pagerDuty: pagerDuty.url });
  const parsed = JSON.parse(readFileSync(config, 'utf8'));
  if (caFile) parsed.iiq.caFile = caFile;
  writeFileSync(config, JSON.stringify(parsed));
  return config;
}

const run = (env: Record<string, string>, caFile?: string) =>
  runCli(['run', '--config', writeConfig(caFile), '--now', NOW.toISOString(), '--dry-run'], { cwd: dir, env: { ...DEMO_ENV, ...env } });

describe('TLS and proxies', () => {
  it('refuses a certificate it cannot verify (exit 3), and accepts it with iiq.caFile', async () => {
    const refused = await run({});
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/IIQ GET \/rest\/identities failed: .*(SELF_SIGNED|self.signed|certificate)/i);
    const trusted = await run({}, './ca.pem');
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain('"action":"trigger"');
  });

  it('tunnels IIQ and PagerDuty through HTTPS_PROXY / HTTP_PROXY, and not for NO_PROXY hosts', async () => {
    tunnels.length = 0;
    const config = writeConfig('./ca.pem');
    const proxied = await runCli(['run', '--config', config, '--now', NOW.toISOString()], {
      cwd: dir,
      env: { ...DEMO_ENV, HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl },
    });
    expect(proxied.code).toBe(0);
    const iiqHost = new URL(httpsUrl).host;
    const pagerDutyHost = new URL(pagerDuty.url).host;
    expect(new Set(tunnels)).toEqual(new Set([iiqHost, pagerDutyHost]));

    tunnels.length = 0;
    const direct = await runCli(['run', '--config', config, '--now', NOW.toISOString(), '--dry-run'], {
      cwd: dir,
      env: { ...DEMO_ENV, HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' },
    });
    expect(direct.code).toBe(0);
    expect(tunnels).toEqual([]);
  });
});
