/** IIQ faults through the built CLI: exit 3, a message that names IIQ and the cause, no resolve. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let fault: ((path: string, attempt: number) => FakeResponse | undefined) | undefined;

beforeEach(async () => {
  fault = undefined;
  dir = makeTempDir('watchdog-faults-');
  iiq = await startFakeIiq({
    identities: demoIdentities(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path, attempt }) => fault?.(path, attempt),
  });
  pagerDuty = await startFakePagerDuty();
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
});

const fatalMessages = (stderr: string): string[] =>
  stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.level === 'error' || l.level === 'fatal')
    .map((l) => `${l.msg} ${l.error ?? ''} ${l.summary?.sourceReadError ?? ''}`);

async function runOnce(overrides: Record<string, unknown> = {}, baseUrl = iiq.url) {
  const config = writeDemoConfig(dir, { iiq: baseUrl, pagerDuty: pagerDuty.url }, overrides);
  return runCli(['run', '--config', config, '--now', NOW.toISOString()], { cwd: dir, env: { ...DEMO_ENV } });
}

describe('IIQ faults', () => {
  it.each<[string, (path: string, attempt: number) => FakeResponse | undefined, RegExp]>([
    ['401', () => ({ status: 401 }), /IIQ GET \/rest\/identities refused the credentials: HTTP 401; check IIQ_USERNAME\/IIQ_PASSWORD/],
    ['403', () => ({ status: 403 }), /refused the credentials: HTTP 403; check IIQ_USERNAME\/IIQ_PASSWORD/],
    [
      'the HTML login page',
      () => ({ status: 200, body: '<!DOCTYPE html><html>login</html>', headers: { 'content-type': 'text/html' } }),
      /answered an HTML page instead of JSON \(IIQ's login page\?\)/,
    ],
    [
      'truncated JSON',
      () => ({ status: 200, body: '{"count": 5, "objects": [{"id": "a', headers: { 'content-type': 'application/json' } }),
      /answered invalid or truncated JSON .*after 4 attempts/,
    ],
    [
      'a 500 on the list after retries',
      () => ({ status: 500, body: '{"message":"NullPointerException"}' }),
      /failed: HTTP 500 \(NullPointerException\) \(after 4 attempts\)/,
    ],
    [
      'a schema mismatch',
      () => ({ status: 200, body: '{"count": 1, "objects": [{"id": 7}]}', headers: { 'content-type': 'application/json' } }),
      /answered an unexpected shape: objects\.0\.name/,
    ],
    [
      'a pagination loop',
      (path) =>
        path.endsWith('/rest/identities')
          ? { status: 200, body: '{"count": 9, "objects": [{"id": "a", "name": "a"}]}', headers: { 'content-type': 'application/json' } }
          : undefined,
      /pagination loop: the page at 1 repeats id a/,
    ],
  ])('%s', async (_name, respond, message) => {
    fault = (path, attempt) => (path.includes('/rest/identities') ? respond(path, attempt) : undefined);
    const result = await runOnce();
    expect(result.code).toBe(3);
    expect(fatalMessages(result.stderr).join('\n')).toMatch(message);
    expect(pagerDuty.received.filter((e) => e.body.event_action === 'resolve')).toHaveLength(0);
  });

  it('a timeout, then a retry that succeeds: the cycle completes', async () => {
    fault = (path, attempt) => (path.endsWith('/rest/identities') && attempt === 1 ? { status: 200, hang: true } : undefined);
    const result = await runOnce({ iiq: { baseUrl: iiq.url, pageSize: 2, timeoutSeconds: 0.5, retryMinDelayMs: 10 } });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('"level":"error"');
    expect(pagerDuty.accepted()).toHaveLength(2);
  });

  it('a timeout every time: exit 3 saying so', async () => {
    fault = (path) => (path.endsWith('/rest/identities') ? { status: 200, hang: true } : undefined);
    const result = await runOnce({ iiq: { baseUrl: iiq.url, pageSize: 2, timeoutSeconds: 0.3, retries: 1, retryMinDelayMs: 10 } });
    expect(result.code).toBe(3);
    expect(fatalMessages(result.stderr).join('\n')).toMatch(/no answer within 0\.3 s \(timeout\) \(after 2 attempts\)/);
  });

  it('connection refused', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)),
    );
    await new Promise((resolve) => closed.close(resolve));
    const result = await runOnce({}, `http://127.0.0.1:${port}/identityiq`);
    expect(result.code).toBe(3);
    expect(fatalMessages(result.stderr).join('\n')).toMatch(/IIQ GET \/rest\/identities failed: connection refused/);
    expect(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).incidents).toEqual({});
  });
});
