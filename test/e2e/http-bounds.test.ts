/**
 * The one HTTP core's bounds through the built CLI: a Retry-After longer than the core waits
 * fails the read at once (exit 3 naming the status and the wait), and a proxy refusing the
 * CONNECT tunnel is a failed attempt naming the proxy: `run` exits 3, `check` exits 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { rateLimited, startFakeIsc, type FakeIsc } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { errorLines } from '../helpers/cli-logs.js';
import { NOW } from '../helpers/clock.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let fault: ((path: string) => FakeResponse | undefined) | undefined;
const proxies: ConnectProxy[] = [];

beforeEach(async () => {
  fault = undefined;
  dir = mkdtempSync(join(tmpdir(), 'watchdog-http-bounds-'));
  iiq = await startFakeIiq({
    identities: demoIdentities(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path }) => fault?.(path),
  });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  for (const proxy of proxies) proxy.server.closeAllConnections();
  await Promise.all([
    iiq.close(),
    pagerDuty.close(),
    ...proxies.splice(0).map((proxy) => new Promise((resolve) => proxy.server.close(resolve))),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (url: string): number => Number(new URL(url).port);

/** A proxy that tunnels to `allowed` loopback ports and answers `refusal` to any other. */
async function refusingProxy(allowed: number[], refusal: string): Promise<ConnectProxy> {
  const proxy = await startConnectProxy((_host, port) => (allowed.includes(port) ? port : undefined), refusal);
  proxies.push(proxy);
  return proxy;
}

const errorText = (stderr: string): string =>
  errorLines(stderr)
    .map((l) => JSON.stringify(l))
    .join('\n');

describe('Retry-After is honoured up to 120 s, no longer', () => {
  it('IIQ: 429 asking for ten days fails the read at once (exit 3), naming the 429 and the wait', async () => {
    fault = (path) => (path.includes('/rest/identities') ? { status: 429, headers: { 'retry-after': '864000' } } : undefined);
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const result = await runCli(['run', '--config', config, '--now', NOW.toISOString()], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code, result.stderr).toBe(3);
    expect(errorText(result.stderr)).toMatch(
      /IIQ GET \/rest\/identities failed: HTTP 429; Retry-After 864000 s is longer than the 120 s the watchdog waits: not waited for/,
    );
    expect(pagerDuty.received.filter((e) => e.body.event_action === 'resolve')).toHaveLength(0);
  });

  it('IIQ: a 503 with an HTTP date a day ahead fails the same way', async () => {
    const dayAhead = new Date(Date.now() + 86_400_000).toUTCString();
    fault = (path) => (path.includes('/rest/identities') ? { status: 503, headers: { 'retry-after': dayAhead } } : undefined);
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const result = await runCli(['run', '--config', config, '--now', NOW.toISOString()], { cwd: dir, env: { ...DEMO_ENV } });
    expect(result.code, result.stderr).toBe(3);
    expect(errorText(result.stderr)).toMatch(/failed: HTTP 503; Retry-After 8[56]\d{3} s is longer than the 120 s/);
  });

  it('ISC: 429 asking for an hour fails the read at once (exit 3), naming the 429 and the wait', async () => {
    const isc: FakeIsc = await startFakeIsc({
      identities: toIscIdentities(demoIdentities(NOW)),
      fault: ({ path }) => (path.startsWith('/v3/search') ? rateLimited(3600) : undefined),
    });
    try {
      const config = writeDemoConfig(dir, { iiq: isc.url, pagerDuty: pagerDuty.url }, iscConfigOverrides(isc.url, { retries: 3 }));
      const result = await runCli(['run', '--config', config, '--now', NOW.toISOString()], { cwd: dir, env: { ...ISC_DEMO_ENV } });
      expect(result.code, result.stderr).toBe(3);
      expect(errorText(result.stderr)).toMatch(
        /ISC POST \/v3\/search failed: HTTP 429 \(rate limited, Retry-After 3600 s\); Retry-After 3600 s is longer than the 120 s the watchdog waits/,
      );
    } finally {
      await isc.close();
    }
  });
});

describe('a proxy refusing the CONNECT tunnel', () => {
  it('run: the IIQ read fails (exit 3) naming the proxy and its answer, after the retries', async () => {
    const proxy = await refusingProxy([portOf(pagerDuty.url)], '407 Proxy Authentication Required');
    const config = writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      { iiq: { baseUrl: iiq.url, retries: 1, retryMinDelayMs: 1 } },
    );
    const result = await runCli(['run', '--config', config, '--now', NOW.toISOString()], {
      cwd: dir,
      env: { ...DEMO_ENV, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });
    expect(result.code, result.stderr).toBe(3);
    const errors = errorText(result.stderr);
    expect(errors).toContain(`IIQ GET /rest/identities failed: proxy ${proxy.url} refused the tunnel: HTTP 407 (after 2 attempts)`);
    expect(errors).not.toContain('unexpected failure');
    expect(proxy.tunnels.filter((t) => t === `127.0.0.1:${portOf(iiq.url)}`)).toHaveLength(2);
  });

  it('check: the PagerDuty probe names the proxy and its answer (exit 2)', async () => {
    const proxy = await refusingProxy([portOf(iiq.url)], '403 Forbidden');
    const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
    const result = await runCli(['check', '--config', config], {
      cwd: dir,
      env: { ...DEMO_ENV, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
    expect(`${result.stdout}\n${result.stderr}`).toContain(`not reachable: proxy ${proxy.url} refused the tunnel: HTTP 403`);
    expect(`${result.stdout}\n${result.stderr}`).not.toContain('startsWith');
    expect(pagerDuty.received).toHaveLength(0);
  });
});
