/**
 * Trusting what was delivered, end to end through the built CLI (npm run build first): an event
 * PagerDuty took but never answered, replay's own-keys-only rule and byte-exact kept lines, and a
 * corrupt state file whose open incidents come back from the audit log.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const at = (minutes: number): string => minutesAfter(minutes, NOW);

let iiq: FakeIiq | undefined;
let pagerDuty: FakePagerDuty | undefined;
afterEach(async () => {
  await Promise.all([iiq?.close(), pagerDuty?.close()]);
  iiq = pagerDuty = undefined;
});

async function scenario(pagerdutyOverrides: Record<string, unknown> = {}) {
  const dir = makeTempDir('watchdog-trust-');
  const hooks: { respond: (event: any) => FakeResponse | undefined } = { respond: () => undefined };
  const fakeIiq = await startFakeIiq({ identities: demoIdentities(NOW), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  const pd = await startFakePagerDuty({ respond: (event) => hooks.respond(event) });
  iiq = fakeIiq;
  pagerDuty = pd;
  const config = writeDemoConfig(dir, { iiq: fakeIiq.url, pagerDuty: pd.url });
  if (Object.keys(pagerdutyOverrides).length > 0) {
    const json = JSON.parse(readFileSync(config, 'utf8')) as { pagerduty: Record<string, unknown> };
    writeFileSync(config, JSON.stringify({ ...json, pagerduty: { ...json.pagerduty, ...pagerdutyOverrides } }));
  }
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
    replay: () => runCli(['replay', '--config', config], { cwd: dir, env: { PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY } }),
    incidents: () => (JSON.parse(readFileSync(file('watchdog-state.json'), 'utf8')) as { incidents: Record<string, any> }).incidents,
  };
}

describe('delivery trust through the built CLI', () => {
  it('a trigger PagerDuty takes but never answers is dead-lettered, kept as possibly open, and resolved once remediated', async () => {
    const s = await scenario({ retries: 0, timeoutSeconds: 0.5 });
    // Jane's trigger reaches PagerDuty (as far as anyone can tell it was accepted), and no answer ever comes.
    s.hooks.respond = (event) => (event.dedup_key === JANE_DEDUP_KEY ? { status: 202, hang: true } : undefined);
    const first = await s.run(0);
    expect(first.code).toBe(1);
    expect(s.pd.received.filter((r) => r.body.dedup_key === JANE_DEDUP_KEY)).toHaveLength(1);
    expect(s.lines('dead_letter.jsonl').map((l) => l.event.dedup_key)).toEqual([JANE_DEDUP_KEY]);
    expect(s.incidents()[JANE_DEDUP_KEY]).toMatchObject({ unconfirmed: true });
    expect(
      logRecord(first.stderr, 'PagerDuty event sent but never answered: recorded as possibly open, resolved once remediated'),
    ).toBeDefined();

    // PagerDuty answers again, and Jane's accounts are disabled: her (possibly open) incident is resolved.
    s.hooks.respond = () => undefined;
    remediate(s.iiq.identities, 'jdoe');
    const before = s.pd.received.length;
    expect((await s.run(15)).code).toBe(0);
    const resolves = s.pd.received.slice(before).filter((r) => r.body.event_action === 'resolve');
    expect(resolves.map((r) => [r.status, r.body.dedup_key])).toEqual([[202, JANE_DEDUP_KEY]]);
    expect(s.incidents()[JANE_DEDUP_KEY]).toBeUndefined();
  });

  it('replay sends only our dedup keys; a foreign line is kept untouched and reported; kept lines stay byte for byte', async () => {
    const s = await scenario();
    s.hooks.respond = () => ({ status: 503 });
    expect((await s.run(0)).code).toBe(1);
    expect(s.lines('dead_letter.jsonl')).toHaveLength(2);
    // Hand-edited lines: a resolve for somebody else's incident, and a Latin-1 note (not UTF-8).
    const foreign = Buffer.from(
      `${JSON.stringify({ failedAt: at(0), attempts: 4, error: 'HTTP 503', event: { event_action: 'resolve', dedup_key: 'acme-prod-db-outage-7731' } })}\r`,
      'utf8',
    );
    const latin1 = Buffer.from('{"note": "Müller, Gérald: à revoir"', 'latin1');
    const ours = readFileSync(s.file('dead_letter.jsonl'));
    writeFileSync(s.file('dead_letter.jsonl'), Buffer.concat([ours, foreign, Buffer.from('\n'), latin1, Buffer.from('\n')]));

    s.hooks.respond = () => undefined;
    const before = s.pd.received.length;
    const replay = await s.replay();
    expect(replay.code).toBe(1);
    const sent = s.pd.received.slice(before).map((r) => r.body.dedup_key);
    expect(sent.sort()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY].sort());
    expect(logRecord(replay.stderr, 'replay summary')?.summary).toMatchObject({ delivered: 2, foreign: 1, unparseable: 1, remaining: 2 });
    expect(logRecord(replay.stderr, 'dead-letter line kept untouched: not a watchdog event, never sent; remove it by hand')).toMatchObject({
      line: 3,
      dedup_key: 'acme-prod-db-outage-7731',
    });
    expect(readFileSync(s.file('dead_letter.jsonl')).equals(Buffer.concat([foreign, Buffer.from('\n'), latin1, Buffer.from('\n')]))).toBe(
      true,
    );
  });

  it('a corrupt state file is moved aside, said loudly, and its open incidents come back from the audit log', async () => {
    const s = await scenario();
    expect((await s.run(0)).code).toBe(0);
    expect(Object.keys(s.incidents()).sort()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY].sort());
    writeFileSync(s.file('watchdog-state.json'), '{"version": 1, "incidents": {');
    remediate(s.iiq.identities, 'jdoe');
    const before = s.pd.received.length;
    const second = await s.run(15);
    expect(second.code).toBe(0);
    expect(
      logRecord(
        second.stderr,
        'STATE FILE CORRUPT: moved aside; open incidents rebuilt from the audit log, the rest comes from the source again',
      ),
    ).toMatchObject({
      rebuiltFromAudit: { incidents: 2 },
    });
    expect(readdirSync(s.dir).filter((name) => name.startsWith('watchdog-state.json.corrupt-'))).toHaveLength(1);
    // Jane, remediated since, still gets her resolve; John stays open without a new page.
    const sent = s.pd.received.slice(before).map((r) => [r.body.event_action, r.body.dedup_key]);
    expect(sent).toEqual([['resolve', JANE_DEDUP_KEY]]);
    expect(Object.keys(s.incidents())).toEqual([JOHN_DEDUP_KEY]);
  });
});
