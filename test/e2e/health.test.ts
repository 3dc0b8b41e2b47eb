/** Who watches the watchdog: consecutive failed cycles page once; a healthy cycle resolves and pings the heartbeat. */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let heartbeat: Server;
const heartbeats: string[] = [];
let iiqDown = true;

beforeEach(async () => {
  dir = makeTempDir('watchdog-health-');
  iiq = await startFakeIiq({
    identities: demoIdentities(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: () => (iiqDown ? { status: 503, body: 'maintenance' } : undefined),
  });
  pagerDuty = await startFakePagerDuty();
  heartbeat = createServer((req, res) => {
    heartbeats.push(`${req.method} ${req.url}`);
    res.end('ok');
  });
  await new Promise<void>((resolve) => heartbeat.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close(), new Promise((resolve) => heartbeat.close(resolve))]);
});

it('three failed cycles page once with the last error; the next healthy cycle resolves it and pings the heartbeat', async () => {
  const address = heartbeat.address() as { port: number };
  const config = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      health: { alertAfterFailures: 3, heartbeatUrl: `http://127.0.0.1:${address.port}/ping/abc` },
    },
  );
  const run = (minutes: number) =>
    runCli(['run', '--config', config, '--now', new Date(NOW.getTime() + minutes * 60_000).toISOString()], {
      cwd: dir,
      env: { ...DEMO_ENV },
    });

  const codes = [];
  for (const minutes of [0, 15, 30, 45]) codes.push((await run(minutes)).code);
  expect(codes).toEqual([3, 3, 3, 3]);
  expect(heartbeats).toEqual([]);
  const healthEvents = pagerDuty.accepted().filter((e) => e.dedup_key === 'iiq-leaver-sla-watchdog-health');
  expect(healthEvents).toHaveLength(1);
  expect(healthEvents[0]).toMatchObject({
    event_action: 'trigger',
    payload: { severity: 'error', custom_details: { consecutive_failures: 3 } },
  });
  expect(healthEvents[0].payload.summary).toContain('HTTP 503');
  expect(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).health).toMatchObject({
    consecutiveFailures: 4,
    incidentOpen: true,
  });

  iiqDown = false;
  expect((await run(60)).code).toBe(0);
  const after = pagerDuty.accepted().filter((e) => e.dedup_key === 'iiq-leaver-sla-watchdog-health');
  expect(after.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  expect(heartbeats).toEqual(['GET /ping/abc']);
  expect(JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')).health).toEqual({
    consecutiveFailures: 0,
    incidentOpen: false,
  });
});
