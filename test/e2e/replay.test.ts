/** `replay` end to end: the built CLI (npm run build first) against the loopback fakes. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty, type FakeResponse } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY, JOHN_DEDUP_KEY, remediate } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { logRecord } from '../helpers/cli-logs.js';
import { at as minutesAfter } from '../helpers/clock.js';

// Close to the wall clock: replay stamps sent-at with the real time, and later cycles compare against it.
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const JANE = JANE_DEDUP_KEY;
const JOHN = JOHN_DEDUP_KEY;
const NEW_KEY = 'N3WR0UT1NGKEY0000000000000000000';
const at = (minutes: number): string => minutesAfter(minutes, NOW);

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  iiq = pagerDuty = undefined;
});

async function scenario() {
  const dir = makeTempDir('watchdog-replay-');
  const hooks: { respond: (event: any) => FakeResponse | undefined } = { respond: () => undefined };
  const fakeIiq = await startFakeIiq({ identities: demoIdentities(NOW), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  const pd = await startFakePagerDuty({ respond: (event) => hooks.respond(event) });
  iiq = fakeIiq;
  pagerDuty = pd;
  const config = writeDemoConfig(dir, { iiq: fakeIiq.url, pagerDuty: pd.url });
  const file = (name: string) => join(dir, name);
  const lines = (name: string) =>
    existsSync(file(name))
      ? readFileSync(file(name), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, any>)
      : [];
  return {
    dir,
    iiq: fakeIiq,
    pd,
    hooks,
    file,
    lines,
    run: (minutes: number) => runCli(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } }),
    // No IIQ secrets: replay talks to PagerDuty only.
    replay: (env: Record<string, string> = { PAGERDUTY_ROUTING_KEY: NEW_KEY }) => runCli(['replay', '--config', config], { cwd: dir, env }),
    incidents: () => (JSON.parse(readFileSync(file('watchdog-state.json'), 'utf8')) as { incidents: Record<string, any> }).incidents,
  };
}

const summaryOf = (stderr: string) => logRecord(stderr, 'replay summary');

describe('replay through the built CLI', () => {
  it('after recovery: re-sends with the current routing key, records state and audit, deletes the file; the next cycle stays quiet', async () => {
    const s = await scenario();
    s.hooks.respond = () => ({ status: 503 });
    expect((await s.run(0)).code).toBe(1);
    expect(
      s
        .lines('dead_letter.jsonl')
        .map((l) => l.event.dedup_key)
        .sort(),
    ).toEqual([JANE, JOHN]);
    expect(s.incidents()).toEqual({});

    s.hooks.respond = () => undefined;
    const before = s.pd.received.length;
    const replay = await s.replay();
    expect(replay.code).toBe(0);
    expect(summaryOf(replay.stderr)?.summary).toMatchObject({ lines: 2, delivered: 2, superseded: 0, remaining: 0 });
    const sent = s.pd.received.slice(before);
    expect(sent.map((r) => [r.status, r.body.routing_key])).toEqual([
      [202, NEW_KEY],
      [202, NEW_KEY],
    ]);
    expect(sent.map((r) => r.body.dedup_key).sort()).toEqual([JANE, JOHN]);
    expect(existsSync(s.file('dead_letter.jsonl'))).toBe(false);
    expect(s.incidents()[JANE]).toMatchObject({
      displayName: 'Jane Doe',
      tier: 'privileged',
      activeApplications: ['Active Directory', 'Salesforce'],
      severity: 'warning',
    });
    expect(s.lines('audit.jsonl').map((r) => [r.event_action, r.reason])).toEqual([
      ['trigger', 'dead-letter replay'],
      ['trigger', 'dead-letter replay'],
    ]);
    expect(replay.stderr).not.toContain(NEW_KEY);

    const next = await s.run(15);
    expect(next.code).toBe(0);
    expect(s.pd.received.length).toBe(before + 2); // the replayed incidents are open: nothing re-sent
  });

  it('skips a trigger whose incident was resolved since: nothing sent, nothing re-opened', async () => {
    const s = await scenario();
    expect((await s.run(0)).code).toBe(0);
    // Jane gains an application, but PagerDuty fails the re-trigger.
    s.iiq.identities.find((i) => i.name === 'jdoe')!.links.find((l) => l.application === 'GitHub')!.disabled = false;
    s.hooks.respond = (event) => (event.dedup_key === JANE ? { status: 500 } : undefined);
    expect((await s.run(15)).code).toBe(1);
    expect(s.lines('dead_letter.jsonl')).toEqual([
      expect.objectContaining({ failedAt: at(15), event: expect.objectContaining({ event_action: 'trigger', dedup_key: JANE }) }),
    ]);
    // PagerDuty recovers and Jane is remediated: the next cycle resolves her incident.
    s.hooks.respond = () => undefined;
    remediate(s.iiq.identities, 'jdoe');
    expect((await s.run(30)).code).toBe(0);
    expect(s.incidents()[JANE]).toBeUndefined();

    const before = s.pd.received.length;
    const replay = await s.replay();
    expect(replay.code).toBe(0);
    expect(summaryOf(replay.stderr)?.summary).toMatchObject({ lines: 1, delivered: 0, superseded: 1, remaining: 0 });
    expect(s.pd.received.length).toBe(before);
    expect(s.incidents()[JANE]).toBeUndefined();
    expect(existsSync(s.file('dead_letter.jsonl'))).toBe(false);
  });

  it('drops the line of an event the next cycle delivered (re-sent since)', async () => {
    const s = await scenario();
    s.hooks.respond = (event) => (event.dedup_key === JANE ? { status: 500 } : undefined);
    expect((await s.run(0)).code).toBe(1);
    s.hooks.respond = () => undefined;
    expect((await s.run(15)).code).toBe(0);
    const before = s.pd.received.length;
    const replay = await s.replay();
    expect(replay.code).toBe(0);
    expect(s.pd.received.length).toBe(before);
  });

  it('keeps an unparseable line and what still fails, exit 1; the file keeps exactly those lines', async () => {
    const s = await scenario();
    s.hooks.respond = () => ({ status: 503 });
    expect((await s.run(0)).code).toBe(1);
    const original = readFileSync(s.file('dead_letter.jsonl'), 'utf8');
    writeFileSync(s.file('dead_letter.jsonl'), `${original}{"failedAt": "torn\n`);
    const replay = await s.replay();
    expect(replay.code).toBe(1);
    expect(summaryOf(replay.stderr)?.summary).toMatchObject({ lines: 3, delivered: 0, unparseable: 1, remaining: 3 });
    expect(readFileSync(s.file('dead_letter.jsonl'), 'utf8')).toBe(`${original}{"failedAt": "torn\n`);
  });

  it('exits 4 when another run holds the lock, and 2 without a routing key; the file is untouched', async () => {
    const s = await scenario();
    s.hooks.respond = () => ({ status: 503 });
    expect((await s.run(0)).code).toBe(1);
    const original = readFileSync(s.file('dead_letter.jsonl'), 'utf8');
    const before = s.pd.received.length;
    writeFileSync(
      s.file('watchdog-state.json.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    expect((await s.replay()).code).toBe(4);
    const { PAGERDUTY_ROUTING_KEY: _key, ...withoutKey } = DEMO_ENV;
    const missing = await s.replay(withoutKey);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('PAGERDUTY_ROUTING_KEY is not set');
    expect(readFileSync(s.file('dead_letter.jsonl'), 'utf8')).toBe(original);
    expect(s.pd.received.length).toBe(before);
  });
});
