/**
 * A run interrupted from outside (SIGTERM, SIGINT, kill -9) through the built CLI against the
 * loopback fakes: what PagerDuty accepted is recorded, the lock is released, and the next run
 * knows every incident PagerDuty has open and resolves each once the accounts are disabled.
 * Synchronised on what the fakes received and what the CLI logged, never on sleeps.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePopulation, startFakeIiq, type FakeIiq, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { deferred, startCli } from '../helpers/cli-process.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLinesSkippingText } from '../helpers/cli-logs.js';

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
let dir: string | undefined;
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  iiq = pagerDuty = dir = undefined;
});

/** Five leavers past SLA; PagerDuty answers through `hooks.respond` (which may hold a request). */
async function scenario(iiqFault?: (req: { path: string }) => FakeResponse | undefined) {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-interrupt-'));
  const hooks: { respond: (event: any, index: number) => FakeResponse | undefined | Promise<FakeResponse | undefined> } = {
    respond: () => undefined,
  };
  iiq = await startFakeIiq({
    identities: generatePopulation({ count: 5, accountsPerIdentity: 2, breachingFraction: 1, now: NOW }),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    ...(iiqFault ? { fault: iiqFault } : {}),
  });
  pagerDuty = await startFakePagerDuty({ respond: (event, index) => hooks.respond(event, index) });
  // One delivery at a time, so "what is in flight" is one request.
  const config = writeDemoConfig(
    dir,
    { iiq: iiq.url, pagerDuty: pagerDuty.url },
    {
      pagerduty: {
        eventsUrl: pagerDuty.url,
        source: 'iiq.demo.local',
        retries: 1,
        retryMinDelayMs: 10,
        maxEventsPerMinute: 600,
        renotifyMinutes: 240,
        concurrency: 1,
        timeoutSeconds: 30,
      },
    },
  );
  const folder = dir;
  const args = (minutes: number) => ['run', '--config', config, '--now', at(minutes)];
  return {
    iiq,
    pd: pagerDuty,
    hooks,
    file: (name: string) => join(folder, name),
    start: (minutes: number) => startCli(args(minutes), { cwd: folder, env: { ...DEMO_ENV } }),
    run: (minutes: number) => runCli(args(minutes), { cwd: folder, env: { ...DEMO_ENV } }),
    state: () => JSON.parse(readFileSync(join(folder, 'watchdog-state.json'), 'utf8')) as { incidents: Record<string, any> },
    remediateAll: () => iiq!.identities.forEach((identity) => identity.links.forEach((link) => (link.disabled = true))),
  };
}

const logsOf = jsonLinesSkippingText;
const keysOf = (events: any[], action: string) =>
  events
    .filter((e) => e.event_action === action)
    .map((e) => e.dedup_key as string)
    .sort();

describe('interrupted runs through the built CLI', () => {
  it('SIGTERM mid-delivery: nothing new starts, the event in flight is recorded, the lock released, exit 143', async () => {
    const s = await scenario();
    const inFlight = deferred<any>();
    const release = deferred<FakeResponse | undefined>();
    s.hooks.respond = (event, index) => (index === 0 ? (inFlight.resolve(event), release.promise) : undefined);
    const cli = s.start(0);
    const first = await inFlight.promise;
    cli.child.kill('SIGTERM');
    await cli.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('stop requested'));
    release.resolve(undefined); // PagerDuty accepts the event in flight only now
    const end = await cli.ended;

    expect(end.code).toBe(143);
    expect(s.pd.received).toHaveLength(1);
    expect(s.pd.accepted().map((e) => e.dedup_key)).toEqual([first.dedup_key]);
    expect(Object.keys(s.state().incidents)).toEqual([first.dedup_key]);
    expect(existsSync(s.file('watchdog-state.json.lock'))).toBe(false);
    expect(existsSync(s.file('watchdog-state.json.journal'))).toBe(false);
    expect(existsSync(s.file('dead_letter.jsonl'))).toBe(false); // not sent is not undeliverable
    const summary = logsOf(end.stderr).find((l) => l.msg === 'cycle summary')?.summary;
    expect(summary).toMatchObject({ triggered: 1, notSent: 4, deadLettered: 0, interruptedBy: 'SIGTERM' });

    // The next run sends what was left, and not the recorded one again.
    s.hooks.respond = () => undefined;
    expect((await s.run(15)).code).toBe(0);
    const next = s.pd.accepted().slice(1);
    expect(next).toHaveLength(4);
    expect(next.map((e) => e.dedup_key)).not.toContain(first.dedup_key);
  });

  it('SIGINT while IIQ is being read: nothing is sent, the lock released, exit 130', async () => {
    const listing = deferred();
    const s = await scenario((req) => (req.path.endsWith('/rest/identities') ? (listing.resolve(), { status: 0, hang: true }) : undefined));
    const cli = s.start(0);
    await listing.promise;
    cli.child.kill('SIGINT');
    const end = await cli.ended;
    expect(end.code).toBe(130);
    expect(s.pd.received).toHaveLength(0);
    expect(existsSync(s.file('watchdog-state.json.lock'))).toBe(false);
    expect(logsOf(end.stderr).find((l) => l.msg === 'cycle summary')?.summary).toMatchObject({ interruptedBy: 'SIGINT', triggered: 0 });
  });

  it('kill -9 after some deliveries: the next run knows every incident PagerDuty has open and resolves each once disabled', async () => {
    const s = await scenario();
    const third = deferred<any>();
    // Two events accepted, the third held in flight when the process is killed.
    s.hooks.respond = (event, index) => (index === 2 ? (third.resolve(event), new Promise<undefined>(() => undefined)) : undefined);
    const cli = s.start(0);
    const inFlight = await third.promise;
    // The CLI logs a delivery only once it is in the journal: both accepted events are on disk now.
    let delivered = 0;
    await cli.waitForLog((l) => l.msg === 'PagerDuty event delivered' && ++delivered === 2);
    cli.child.kill('SIGKILL');
    const end = await cli.ended;
    expect(end.signal).toBe('SIGKILL');
    const accepted = keysOf(s.pd.accepted(), 'trigger');
    expect(accepted).toHaveLength(2);
    expect(existsSync(s.file('watchdog-state.json.journal'))).toBe(true);

    // Still breaching: the event whose answer never came is sent again (it may not have reached PagerDuty); the two accepted are not.
    s.hooks.respond = () => undefined;
    const second = await s.run(15);
    expect(second.code).toBe(0);
    expect(logsOf(second.stderr).some((l) => /^journal of an interrupted run folded/.test(l.msg))).toBe(true);
    const resent = s.pd.accepted().slice(2);
    expect(keysOf(resent, 'trigger')).toContain(inFlight.dedup_key);
    for (const key of accepted) expect(keysOf(resent, 'trigger')).not.toContain(key);
    expect(Object.keys(s.state().incidents)).toHaveLength(5);
    expect(existsSync(s.file('watchdog-state.json.journal'))).toBe(false);

    // Remediated: every incident PagerDuty was ever sent is resolved.
    s.remediateAll();
    const before = s.pd.received.length;
    expect((await s.run(30)).code).toBe(0);
    const resolved = keysOf(
      s.pd.received.slice(before).map((r) => r.body),
      'resolve',
    );
    expect(resolved).toEqual(keysOf(s.pd.accepted(), 'trigger').filter((k, i, all) => all.indexOf(k) === i));
    expect(s.state().incidents).toEqual({});
  });
});
