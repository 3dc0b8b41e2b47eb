/**
 * Delivery faults an attacker (or a proxy, or a clock) can cause, through the built CLI against
 * the loopback fakes: redirects, clock steps, dedup keys PagerDuty would refuse or share.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../src/sandbox/fake-http.js';
import { startFakeIiq, type FakeIdentity, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty, type FakeResponse } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY, JOHN_DEDUP_KEY } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW, at } from '../helpers/clock.js';
import { jsonLines, jsonLinesOfFile } from '../helpers/cli-logs.js';

const HOUR_MS = 3_600_000;

const closers: (() => Promise<void>)[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function scenario(options: { identities?: FakeIdentity[]; overrides?: Record<string, unknown> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-trust-'));
  folders.push(dir);
  const hooks: { respond: (event: any, index: number) => FakeResponse | undefined } = { respond: () => undefined };
  const iiq: FakeIiq = await startFakeIiq({
    identities: options.identities ?? demoIdentities(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  const pd: FakePagerDuty = await startFakePagerDuty({ respond: (event, index) => hooks.respond(event, index) });
  closers.push(
    () => iiq.close(),
    () => pd.close(),
  );
  const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pd.url }, options.overrides);
  const file = (name: string) => join(dir, name);
  return {
    iiq,
    pd,
    hooks,
    file,
    run: (minutes: number) => runCli(['run', '--config', config, '--now', at(minutes)], { cwd: dir, env: { ...DEMO_ENV } }),
    replay: () => runCli(['replay', '--config', config], { cwd: dir, env: { PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY } }),
    lines: (name: string) => jsonLinesOfFile(file(name)),
    state: () =>
      JSON.parse(readFileSync(file('watchdog-state.json'), 'utf8')) as { incidents: Record<string, any>; storms: Record<string, any> },
  };
}

/** Another origin on loopback that records every request it gets (a login page, or an attacker). */
async function otherOrigin(status = 200) {
  const requests: { method: string; url: string; body: string }[] = [];
  const server = await listenLocal(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    requests.push({ method: req.method ?? '', url: req.url ?? '', body });
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end('<html><body>Please log in</body></html>');
  });
  closers.push(() => server.close());
  return { origin: `http://127.0.0.1:${server.port}`, requests };
}

const logsOf = jsonLines;

describe('PagerDuty redirects are never followed', () => {
  it.each([
    [302, '/login?next=%2Fv2%2Fenqueue'],
    [307, '/v2/enqueue'],
  ])('a %i to another origin: a failed attempt naming that origin, dead-lettered, the routing key never leaves', async (status, path) => {
    const elsewhere = await otherOrigin();
    const s = await scenario();
    s.hooks.respond = () => ({ status, headers: { location: `${elsewhere.origin}${path}` }, body: '' });
    const result = await s.run(0);
    expect(result.code).toBe(1);
    expect(elsewhere.requests).toEqual([]);
    // One attempt per event: a redirect is the URL or the proxy, retrying it changes nothing.
    expect(s.pd.received.map((r) => r.status)).toEqual([status, status]);
    const letters = s.lines('dead_letter.jsonl');
    expect(letters.map((l) => [l.event.dedup_key, l.attempts, l.error]).sort()).toEqual([
      [JANE_DEDUP_KEY, 1, `HTTP ${status}: PagerDuty URL redirected to ${elsewhere.origin}: check pagerduty.eventsUrl and the proxy`],
      [JOHN_DEDUP_KEY, 1, `HTTP ${status}: PagerDuty URL redirected to ${elsewhere.origin}: check pagerduty.eventsUrl and the proxy`],
    ]);
    expect(s.state().incidents).toEqual({});
    expect(s.lines('audit.jsonl')).toEqual([]);
  });
});

describe('clock steps', () => {
  it('--now stepped back 2 h resolves nothing (warning); later evaluations do not open a second incident; a changed termination date does resolve', async () => {
    const s = await scenario();
    expect((await s.run(0)).code).toBe(0);
    expect(
      s.pd
        .accepted()
        .map((e) => e.dedup_key)
        .sort(),
    ).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);

    // Two hours earlier Jane (terminated 5.2 h before `now`, SLA 4 h) was not yet past her SLA.
    const back = await s.run(-120);
    expect(back.code).toBe(0);
    expect(s.pd.received).toHaveLength(2);
    expect(logsOf(back.stderr).some((l) => l.level === 'warn' && /^evaluation instant earlier than the previous cycle/.test(l.msg))).toBe(
      true,
    );
    expect(Object.keys(s.state().incidents).sort()).toEqual([JANE_DEDUP_KEY, JOHN_DEDUP_KEY]);

    // Later than the previous cycle but still before Jane's deadline: her termination date did not change, so no resolve.
    const still = await s.run(-105);
    expect(still.code).toBe(0);
    expect(s.pd.received).toHaveLength(2);
    expect(logsOf(still.stderr).find((l) => l.dedup_key === JANE_DEDUP_KEY && l.msg === 'open incident left untouched')?.reason).toMatch(
      /termination instant is unchanged/,
    );

    // The clock is right again: nothing new is sent (no second incident for Jane).
    expect((await s.run(15)).code).toBe(0);
    expect(s.pd.received).toHaveLength(2);

    // HR corrects Jane's termination date to 1 h before now: she is no longer past her SLA, and that does resolve.
    s.iiq.identities.find((i) => i.name === 'jdoe')!.attributes.hrTerminationDate = new Date(
      NOW.getTime() + 30 * 60_000 - HOUR_MS,
    ).toISOString();
    expect((await s.run(30)).code).toBe(0);
    expect(
      s.pd
        .accepted()
        .slice(2)
        .map((e) => [e.event_action, e.dedup_key]),
    ).toEqual([['resolve', JANE_DEDUP_KEY]]);
    expect(s.lines('audit.jsonl').find((a) => a.event_action === 'resolve')?.reason).toBe('no longer past SLA');
  });
});

function leaver(id: string, name: string, applications: string[]): FakeIdentity {
  return {
    id,
    name,
    displayName: name,
    inactive: true,
    attributes: { hrTerminationDate: new Date(NOW.getTime() - 10 * HOUR_MS).toISOString(), risk_tier: 'standard' },
    links: applications.map((application, n) => ({
      id: `${name}-${n}`,
      application,
      nativeIdentity: `${name}@example.com`,
      displayName: name,
      disabled: false,
    })),
  };
}

describe('dedup keys PagerDuty accepts and never shares', () => {
  it('an identity id that would make a key over 255 characters is paged (shortened with a hash) and resolved', async () => {
    const longId = `${'0123456789abcdef'.repeat(18)}-tail`;
    const s = await scenario({ identities: [leaver(longId, 'long.id', ['Active Directory'])] });
    expect((await s.run(0)).code).toBe(0);
    const [trigger] = s.pd.accepted();
    expect(trigger.dedup_key.length).toBeLessThanOrEqual(255);
    expect(trigger.payload.custom_details.identity_id).toBe(longId);
    for (const link of s.iiq.identities[0]!.links) link.disabled = true;
    expect((await s.run(15)).code).toBe(0);
    expect(s.pd.accepted().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', trigger.dedup_key],
      ['resolve', trigger.dedup_key],
    ]);
  });

  it('applications named in other scripts get one application incident each, each naming its own application', async () => {
    const identities = [
      leaver('id-hr-1', 'hr1', ['人事システム']),
      leaver('id-hr-2', 'hr2', ['人事システム']),
      leaver('id-acc-1', 'acc1', ['会計システム']),
      leaver('id-acc-2', 'acc2', ['会計システム']),
      leaver('id-ru-1', 'ru1', ['Кадры']),
      leaver('id-ru-2', 'ru2', ['Кадры']),
    ];
    const s = await scenario({ identities, overrides: { storm: { threshold: 2 } } });
    expect((await s.run(0)).code).toBe(0);
    const storms = s.pd.accepted().filter((e) => e.payload?.class === 'leaver-sla-storm');
    expect(storms.map((e) => e.payload.custom_details.application).sort()).toEqual(['Кадры', '人事システム', '会計システム'].sort());
    expect(new Set(storms.map((e) => e.dedup_key)).size).toBe(3);
    for (const e of storms) expect(e.dedup_key).toMatch(/^iiq-leaver-sla-app-unnamed-[0-9a-f]{8}$/);
    expect(
      Object.values(s.state().storms)
        .map((storm) => storm.application)
        .sort(),
    ).toEqual(['Кадры', '人事システム', '会計システム'].sort());
  });

  it('an identity whose id starts with app- is never taken for an application incident, not even by replay', async () => {
    const s = await scenario({ identities: [leaver('app-crm', 'crm.user', ['CRM'])] });
    s.hooks.respond = () => ({ status: 503 });
    expect((await s.run(0)).code).toBe(1);
    const [letter] = s.lines('dead_letter.jsonl');
    expect(letter?.change).toMatchObject({ kind: 'incident-open', incident: { identityId: 'app-crm' } });

    s.hooks.respond = () => undefined;
    expect((await s.replay()).code).toBe(0);
    const key = letter!.event.dedup_key as string;
    expect(s.state().incidents[key]).toMatchObject({ identityId: 'app-crm', identityName: 'crm.user' });
    expect(s.state().storms).toEqual({});

    for (const link of s.iiq.identities[0]!.links) link.disabled = true;
    expect((await s.run(15)).code).toBe(0);
    expect(s.pd.accepted().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', key],
      ['resolve', key],
    ]);
  });
});
