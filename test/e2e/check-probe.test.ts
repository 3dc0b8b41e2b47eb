/**
 * `check` tests the PagerDuty URL without opening an incident (an event without routing
 * key, answered 400 "Event object is invalid" by PagerDuty and by the fake), and warns about plain
 * http:// to a host other than loopback; `run` logs the same warning. Loopback only: hosts that
 * are not loopback by name are reached through a CONNECT proxy on 127.0.0.1 that maps them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { cleartextWarnings, contactedUrls, isLoopbackHost } from '../../src/http/cleartext.js';
import { createDispatcher } from '../../src/http/dispatcher.js';
import { probePagerDuty } from '../../src/pagerduty/probe.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';

const servers: Server[] = [];
/** A loopback server answering every request with `handler`; returns its base URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The URL of a loopback port nothing listens on (taken, then freed). */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

let pagerDuty: FakePagerDuty;
let iiq: FakeIiq;
beforeAll(async () => {
  pagerDuty = await startFakePagerDuty();
  iiq = await startFakeIiq({ identities: demoIdentities(new Date()) });
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all([pagerDuty.close(), iiq.close(), ...servers.map((s) => new Promise((resolve) => s.close(resolve)))]);
});

describe('probePagerDuty', () => {
  const probe = async (url: string, timeoutMs = 2000) => {
    const dispatcher = createDispatcher({ connections: 1, timeoutMs });
    try {
      return await probePagerDuty(url, dispatcher, timeoutMs);
    } finally {
      await dispatcher.destroy();
    }
  };

  it('the fake PagerDuty answers a keyless event 400 "Event object is invalid", like the real one: reachable, nothing opened', async () => {
    const result = await probe(pagerDuty.url);
    expect(result).toEqual({ ok: true, detail: expect.stringContaining('reachable: answered 400 "Event object is invalid"') });
    const sent = pagerDuty.received.at(-1)!;
    expect(sent.status).toBe(400);
    expect(pagerDuty.received.length).toBeGreaterThan(0);
    expect(sent.body).not.toHaveProperty('routing_key');
    expect(pagerDuty.accepted()).toHaveLength(0);
  });

  it('a redirect (a login page behind it) is a problem, and it is not followed', async () => {
    let loginHits = 0;
    const login = await serve(
      (_req, res) => ((loginHits += 1), res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>')),
    );
    const redirecting = await serve((_req, res) => res.writeHead(302, { location: `${login}/sso` }).end());
    const result = await probe(`${redirecting}/v2/enqueue`);
    expect(result.ok).toBe(false);
    expect(result.detail).toBe(
      `answered HTTP 302, a redirect to ${login}: events would not be delivered (check pagerduty.eventsUrl and the proxy)`,
    );
    expect(loginHits).toBe(0);
  });

  it.each([
    [
      '200 with an HTML page (a captive proxy)',
      200,
      'text/html',
      '<html><body>Welcome</body></html>',
      'answered HTTP 200 (text/html): it accepted an event without routing key, which PagerDuty never does',
    ],
    [
      '404 (wrong path)',
      404,
      'application/json',
      '{"message":"Not found"}',
      'answered HTTP 404 (application/json) "Not found": no such path',
    ],
    [
      '400 from something else',
      400,
      'text/plain',
      'Bad Request',
      "answered HTTP 400 (text/plain): not PagerDuty's answer to an event without routing key",
    ],
    ['503', 503, 'text/html', '<html>down</html>', "answered HTTP 503 (text/html): not PagerDuty's answer"],
  ])('%s is a problem that says what was seen', async (_name, status, type, body, expected) => {
    const url = await serve((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
    const result = await probe(`${url}/v2/enqueue`);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(expected);
    expect(result.detail).not.toContain('<html');
  });

  it('unreachable or silent: says so in one line', async () => {
    const refused = await probe(`${await closedPort()}/v2/enqueue`);
    expect(refused).toEqual({ ok: false, detail: 'not reachable: connection refused (is the service up, and pagerduty.eventsUrl right?)' });
    const silent = await serve(() => undefined);
    expect(await probe(`${silent}/v2/enqueue`, 300)).toEqual({ ok: false, detail: 'not reachable: no answer within 0.3 s (timeout)' });
  });
});

describe('clear-text warnings', () => {
  it.each([
    ['localhost', true],
    ['app.localhost', true],
    ['127.0.0.1', true],
    ['127.45.1.2', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['iiq.example.com', false],
    ['10.0.0.5', false],
    ['127.0.0.1.nip.io', false],
    ['[::2]', false],
  ])('%s is loopback: %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));

  it('one warning per plain http:// URL to a host other than loopback, named by its key or the overriding variable', () => {
    const config = {
      iiq: { baseUrl: 'http://iiq.example.com/identityiq', identityUrlTemplate: 'http://iiq.example.com/x/{id}' },
      isc: { baseUrl: 'http://tenant.api.example.com' },
      pagerduty: { eventsUrl: 'http://127.0.0.1:8080/v2/enqueue' },
      health: { heartbeatUrl: 'https://hc-ping.com/abc' },
    };
    expect(cleartextWarnings(contactedUrls(config, {}))).toEqual([
      'iiq.baseUrl is plain http:// to iiq.example.com, not loopback: the IIQ credentials and identity data would cross the network in clear text; use https://',
      'isc.baseUrl is plain http:// to tenant.api.example.com, not loopback: the ISC tokens and identity data would cross the network in clear text; use https://',
    ]);
    const overridden = cleartextWarnings(
      contactedUrls(
        { pagerduty: { eventsUrl: 'http://pd.example.com/v2/enqueue' } },
        { PAGERDUTY_EVENTS_URL: 'http://pd.example.com/v2/enqueue' },
      ),
    );
    expect(overridden).toEqual([
      expect.stringMatching(
        /^PAGERDUTY_EVENTS_URL is plain http:\/\/ to pd\.example\.com, not loopback: the routing key and the incidents/,
      ),
    ]);
  });
});

describe('check and run through the built CLI', () => {
  let dir: string;
  let proxyUrl: string;
  let tunnels: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watchdog-check-probe-'));
    const ports: Record<string, number> = {
      'iiq.corp.example': Number(new URL(iiq.url).port),
      'pagerduty.corp.example': Number(new URL(pagerDuty.url).port),
    };
    const proxy = await startConnectProxy((host) => ports[host]);
    servers.push(proxy.server);
    tunnels = proxy.tunnels;
    proxyUrl = proxy.url;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { ...DEMO_ENV, ...env } });

  it('a PagerDuty URL that refuses: check exits 2 with a PROBLEM line; IIQ is still read', async () => {
    const refusing = `${await closedPort()}/v2/enqueue`;
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: refusing });
    const result = await cli(['check', '--config', 'config.json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      `pagerduty         ${refusing}: PROBLEM: not reachable: connection refused (is the service up, and pagerduty.eventsUrl right?)`,
    );
    expect(result.stdout).toMatch(/^iiq .*authenticated, first page read$/m);
    expect(result.stdout).toMatch(/^result +FAILED \(exit 2\); no event was sent$/m);
    expect(result.stdout).not.toMatch(/^warning/m);
  });

  it('the fake PagerDuty: reachable, exit 0, and it received no routing key', async () => {
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const before = pagerDuty.received.length;
    const result = await cli(['check', '--config', 'config.json', '--format', 'json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.pagerduty).toMatchObject({ eventsUrl: pagerDuty.url, ok: true });
    expect(parsed.warnings).toEqual([]);
    const sent = pagerDuty.received.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body)).not.toContain(DEMO_ENV.PAGERDUTY_ROUTING_KEY);
  });

  it('plain http:// to hosts that are not loopback: check warns (exit stays 0), run logs the same warning', async () => {
    writeDemoConfig(dir, { iiq: 'http://iiq.corp.example/identityiq', pagerDuty: 'http://pagerduty.corp.example/v2/enqueue' });
    const env = { HTTP_PROXY: proxyUrl, NO_PROXY: '' };
    const check = await cli(['check', '--config', 'config.json'], env);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(
      /^warning +iiq\.baseUrl is plain http:\/\/ to iiq\.corp\.example, not loopback: the IIQ credentials and identity data would cross the network in clear text; use https:\/\/$/m,
    );
    expect(check.stdout).toMatch(
      /^warning +pagerduty\.eventsUrl is plain http:\/\/ to pagerduty\.corp\.example, not loopback: the routing key/m,
    );
    expect(check.stdout).toMatch(/^pagerduty +http:\/\/pagerduty\.corp\.example\/v2\/enqueue: reachable/m);
    expect(tunnels).toEqual(expect.arrayContaining(['iiq.corp.example:80', 'pagerduty.corp.example:80']));
    const run = await cli(['run', '--config', 'config.json', '--dry-run'], env);
    expect(run.code).toBe(0);
    const warnings = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((l) => l.level === 'warn' && /plain http:\/\//.test(l.msg));
    expect(warnings.map((w) => w.msg.split(' ')[0])).toEqual(['iiq.baseUrl', 'pagerduty.eventsUrl']);
  });
});
