/**
 * Through the built CLI: unknown account status pages (REST links without `disabled`,
 * SCIM Accounts without `active`), SCIM asks only for declared attributes, and IIQ's answer
 * bodies (a DN, an echoed Authorization header) stay out of state, audit, dead letter and events.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IIQ8_ACCOUNT_ATTRIBUTES, startFakeIiq, type FakeIiq, type FakeIiqOptions, type FakeResponse } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities, JANE_DEDUP_KEY } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';
import { summaryOf } from '../helpers/cli-logs.js';

const BASIC = Buffer.from(`${DEMO_ENV.IIQ_USERNAME}:${DEMO_ENV.IIQ_PASSWORD}`).toString('base64');
/** A connector error as IIQ might echo it: an account DN, and the request's own Authorization header. */
const ECHO = `Connector 'Active Directory' failed for CN=Jane Doe,OU=Staff,DC=corp,DC=example; request: GET, Authorization: Basic ${BASIC}`;
const OLGA_KEY = 'iiq-leaver-sla-3d4e5f60718293a4b5c6d7e8f90a1b2c';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
let hook: ((path: string) => FakeResponse | undefined) | undefined;
let pagerDutyDown = false;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-unknown-'));
  hook = undefined;
  pagerDutyDown = false;
  pagerDuty = await startFakePagerDuty({
    respond: () => (pagerDutyDown ? { status: 400, body: '{"status":"invalid event"}' } : undefined),
  });
});
afterEach(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function startIiq(options: Partial<FakeIiqOptions> = {}, statusKnown = true): Promise<void> {
  const identities = demoIdentities(NOW);
  if (!statusKnown) for (const identity of identities) for (const link of identity.links) delete link.disabled;
  iiq = await startFakeIiq({
    identities,
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    fault: ({ path }) => hook?.(path),
    ...options,
  });
}
function run(minutes: number, overrides: Record<string, unknown> = {}) {
  const config = writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url }, overrides);
  return runCli(['run', '--config', config, '--now', new Date(NOW.getTime() + minutes * 60_000).toISOString()], {
    cwd: dir,
    env: { ...DEMO_ENV },
  });
}
const scimConfig = {
  iiq: { baseUrl: '', api: 'scim', pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10, scimAccountsBulk: false },
};
const withIiqUrl = (config: typeof scimConfig) => ({ iiq: { ...config.iiq, baseUrl: iiq.url } });

describe('unknown is not disabled', () => {
  it.each([
    ['REST links without `disabled`', {}, () => ({})],
    [
      'SCIM Accounts without `active` (a release whose schema declares no status)',
      { accountSchemaAttributes: IIQ8_ACCOUNT_ATTRIBUTES.filter((a) => a !== 'active') },
      () => withIiqUrl(scimConfig),
    ],
  ])(
    '%s: leavers past SLA are paged, the event names the unknown-status applications, the summary counts them',
    async (_name, fakeOptions, config) => {
      await startIiq(fakeOptions, false);
      const result = await run(0, config());
      expect(result.code).toBe(0);
      const triggers = pagerDuty.accepted();
      // Jane, John and Olga (30 days: IIQ does not say her accounts are disabled); Hank's only account is excluded.
      expect(triggers.map((e) => e.dedup_key).sort()).toEqual(
        [JANE_DEDUP_KEY, 'iiq-leaver-sla-1b2c3d4e5f60718293a4b5c6d7e8f90a', OLGA_KEY].sort(),
      );
      const jane = triggers.find((e) => e.dedup_key === JANE_DEDUP_KEY);
      expect(jane.payload.summary).toBe(
        'Leaver SLA breach: Jane Doe has 3 accounts of unknown status (not confirmed disabled) 5.2h after termination (privileged SLA 4h)',
      );
      expect(jane.payload.custom_details).toMatchObject({
        active_applications: [],
        active_account_count: 0,
        unknown_status_applications: ['Active Directory', 'GitHub', 'Salesforce'],
        unknown_status_account_count: 3,
      });
      expect(summaryOf(result.stderr)).toMatchObject({ unknownStatusAccounts: 7, triggered: 3 });
      expect(result.stderr).toContain('7 account(s) of unknown status');
      const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
      expect(audit).toContain('"unknown_status_applications":["Active Directory","GitHub","Salesforce"]');
    },
  );

  it('SCIM against IIQ 8.x asks only for declared attributes (never `inactive`), and pages as usual', async () => {
    await startIiq();
    const result = await run(0, withIiqUrl(scimConfig));
    expect(result.code).toBe(0); // an undeclared attribute would be refused with 400 invalidValue
    expect(pagerDuty.accepted().map((e) => e.dedup_key)).toContain(JANE_DEDUP_KEY);
    expect(iiq.stats.byRoute['scim.schema']).toBe(1);
    expect(result.stderr).toContain('SCIM Account attributes: asking only for identity, application, active');
  });

  it('SCIM bulk mode also asks only for declared attributes', async () => {
    await startIiq();
    const result = await run(0, { iiq: { ...withIiqUrl(scimConfig).iiq, scimAccountsBulk: true } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('SCIM accounts plan: bulk');
    expect(pagerDuty.accepted()).toHaveLength(2);
  });
});

describe("IIQ's answer bodies stay in the logs", () => {
  function everything(result: { stdout: string; stderr: string }): { files: string; output: string } {
    const files = readdirSync(dir)
      .filter((name) => name !== 'config.json')
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('\n');
    return { files, output: `${result.stdout}\n${result.stderr}` };
  }

  it.each([
    ['the listing', (path: string) => path.endsWith('/rest/identities'), 'IIQ GET /rest/identities: HTTP 500'],
    ['a links read', (path: string) => path.endsWith('/jdoe/links'), 'IIQ GET /rest/identities/jdoe/links: HTTP 500'],
  ])(
    'a 500 on %s quoting a DN and echoing Authorization: state and the health event carry only the classified error',
    async (_name, where, classified) => {
      await startIiq();
      hook = (path) => (where(path) ? { status: 500, body: JSON.stringify({ message: ECHO }) } : undefined);
      const result = await run(0, { health: { alertAfterFailures: 1 } });
      expect(result.code).toBe(3);
      const state = JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8'));
      expect(state.health).toMatchObject({ consecutiveFailures: 1, incidentOpen: true, lastError: classified });
      const health = pagerDuty.accepted().find((e) => e.dedup_key === 'iiq-leaver-sla-watchdog-health');
      expect(health.payload.summary).toBe(`iiq-leaver-sla-watchdog failing: 1 consecutive failed cycles; last error: ${classified}`);
      expect(health.payload.custom_details.last_error).toBe(classified);

      const sent = JSON.stringify(pagerDuty.received);
      const { files, output } = everything(result);
      for (const text of [sent, files]) {
        for (const leak of [BASIC, DEMO_ENV.IIQ_PASSWORD, 'CN=Jane Doe', 'Connector', 'Authorization']) expect(text).not.toContain(leak);
      }
      // The logs keep the body for the operator, with the credential redacted.
      expect(output).toContain('Connector');
      expect(output).toContain('Authorization: Basic [REDACTED]');
      for (const secret of [BASIC, DEMO_ENV.IIQ_PASSWORD, DEMO_ENV.PAGERDUTY_ROUTING_KEY]) expect(output).not.toContain(secret);
    },
  );

  it('a health event that cannot be delivered is dead-lettered with the classified error only', async () => {
    await startIiq();
    hook = (path) =>
      path.endsWith('/rest/identities') ? { status: 503, body: ECHO, headers: { 'content-type': 'text/plain' } } : undefined;
    pagerDutyDown = true;
    const result = await run(0, {
      health: { alertAfterFailures: 1 },
      iiq: { baseUrl: iiq.url, api: 'rest', pageSize: 2, retries: 0, retryMinDelayMs: 10 },
    });
    expect(result.code).toBe(3);
    expect(existsSync(join(dir, 'dead_letter.jsonl'))).toBe(true);
    const deadLetter = readFileSync(join(dir, 'dead_letter.jsonl'), 'utf8');
    expect(deadLetter).toContain('IIQ GET /rest/identities: HTTP 503');
    const { files } = everything(result);
    for (const leak of [BASIC, DEMO_ENV.IIQ_PASSWORD, 'CN=Jane Doe', 'Connector']) expect(files).not.toContain(leak);
  });
});
