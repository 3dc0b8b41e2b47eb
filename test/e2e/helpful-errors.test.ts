/** Each improved error through the built CLI: the exit code, one clear line, nothing contacted. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW } from '../helpers/clock.js';

let dir: string;
let iiq: FakeIiq;
let pagerDuty: FakePagerDuty;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-errors-'));
  iiq = await startFakeIiq({ identities: demoIdentities(NOW) });
  pagerDuty = await startFakePagerDuty();
});
afterAll(async () => {
  await Promise.all([iiq.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: pagerDuty.url });
  iiq.resetStats();
});

const cli = (args: string[], env: Record<string, string> = { ...DEMO_ENV }) => runCli(args, { cwd: dir, env });
/** The one line an operator sees: stderr must hold exactly one line, naming what is wrong. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('--now must be a real instant', () => {
  it('2026-02-30T09:00:00Z is exit 2, not March 2; nothing contacted', async () => {
    const sentBefore = pagerDuty.received.length;
    const result = await cli(['run', '--config', 'config.json', '--now', '2026-02-30T09:00:00Z']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      'error: --now "2026-02-30T09:00:00Z" is not an ISO 8601 instant such as 2026-11-24T09:00:00Z: February 2026 has 28 days',
    );
    expect(iiq.stats.requests).toBe(0);
    expect(pagerDuty.received).toHaveLength(sentBefore);
  });
});

describe('check and run never crash on IIQ data', () => {
  it('a termination date of 1e17: check counts it as not parseable (exit 0); run uses the first-seen instant', async () => {
    const identities = demoIdentities(new Date());
    identities[0]!.attributes.hrTerminationDate = 1e17;
    identities[1]!.attributes.hrTerminationDate = '999999999999999';
    const odd = await startFakeIiq({ identities });
    try {
      writeDemoConfig(
        dir,
        { iiq: odd.url, pagerDuty: pagerDuty.url },
        { iiq: { baseUrl: odd.url, api: 'rest', pageSize: 10, retryMinDelayMs: 1 } },
      );
      const check = await cli(['check', '--config', 'config.json']);
      expect(check.stderr).not.toContain('Invalid time value');
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(/^termination +3 parsed, 2 not parseable/m);
      const run = await cli(['run', '--config', 'config.json', '--dry-run']);
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('Invalid time value');
    } finally {
      await odd.close();
    }
  });
});

describe('routing-key messages say what is wrong', () => {
  const dashed = `${DEMO_ENV.PAGERDUTY_ROUTING_KEY.slice(0, 31)}-`;

  it('a 32-character key with a dash: run exits 2 naming the character, not "it has 32"; check says the same', async () => {
    const run = await cli(['run', '--config', 'config.json'], { ...DEMO_ENV, PAGERDUTY_ROUTING_KEY: dashed });
    expect(run.code).toBe(2);
    const line = oneLine(run.stderr);
    expect(JSON.parse(line).msg).toBe(
      "invalid config: PAGERDUTY_ROUTING_KEY must be letters and digits only (it has 32 characters, but 1 is '-'); is it another kind of key or id rather than the Events API v2 integration key?",
    );
    expect(run.stderr).not.toContain(dashed);
    const check = await cli(['check', '--config', 'config.json'], { ...DEMO_ENV, PAGERDUTY_ROUTING_KEY: dashed });
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(
      /^routing key +PROBLEM: PAGERDUTY_ROUTING_KEY is malformed \(32 characters\): must be letters and digits only .*1 is '-'/m,
    );
    expect(iiq.stats.byRoute['rest.links'] ?? 0).toBe(0);
    expect(pagerDuty.received.filter((r) => r.body?.routing_key !== undefined)).toHaveLength(0);
  });
});

describe('TLS mismatches read as one human line', () => {
  it('https:// to the plain-HTTP port of IIQ: exit 3, "does not answer TLS", no OpenSSL text', async () => {
    const httpsToPlain = iiq.url.replace('http://', 'https://');
    writeDemoConfig(
      dir,
      { iiq: httpsToPlain, pagerDuty: pagerDuty.url },
      { iiq: { baseUrl: httpsToPlain, api: 'rest', pageSize: 2, retries: 0 } },
    );
    const result = await cli(['run', '--config', 'config.json', '--now', NOW.toISOString(), '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'TLS handshake failed: the server does not answer TLS on this port (an https:// URL to a plain-HTTP port? check iiq.baseUrl)',
    );
    expect(result.stderr).not.toMatch(/SSL routines|ssl3_get_record|\\n/);
    for (const line of result.stderr.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const check = await cli(['check', '--config', 'config.json']);
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(
      /^iiq .*PROBLEM: IIQ GET \/rest\/identities failed: TLS handshake failed: the server does not answer TLS on this port/m,
    );
  });
});

describe('a 404 on /rest/identities suggests "api": "scim"', () => {
  it('stock IIQ (no REST plugin): run and check exit 3 with the hint', async () => {
    const stock = await startFakeIiq({
      identities: demoIdentities(NOW),
      fault: ({ path }) =>
        path.endsWith('/rest/identities') ? { status: 404, body: '<html><body>HTTP Status 404 - Not Found</body></html>' } : undefined,
    });
    try {
      writeDemoConfig(dir, { iiq: stock.url, pagerDuty: pagerDuty.url });
      const run = await cli(['run', '--config', 'config.json', '--now', NOW.toISOString(), '--dry-run']);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        'IIQ GET /rest/identities failed: HTTP 404: this IdentityIQ does not serve the REST identities API that \\"api\\": \\"rest\\" reads; stock IdentityIQ serves SCIM 2.0: set \\"api\\": \\"scim\\" in the iiq section',
      );
      const check = await cli(['check', '--config', 'config.json']);
      expect(check.code).toBe(3);
      expect(check.stdout).toMatch(/^iiq .*PROBLEM: IIQ GET \/rest\/identities failed: HTTP 404: .*set "api": "scim" in the iiq section/m);
    } finally {
      await stock.close();
    }
  });
});

describe('usage errors', () => {
  it("'reprot': unknown command (did you mean report?), exit 2, not \"too many arguments for 'run'\"", async () => {
    const result = await cli(['reprot', '--config', 'config.json']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe("error: unknown command 'reprot' (did you mean report?)");
    expect(result.stdout).toBe('');
    expect(iiq.stats.requests).toBe(0);
  });

  it('a missing config file names --config and sample-config.json', async () => {
    const result = await cli(['run', '--config', 'nowhere/config.json']);
    expect(result.code).toBe(2);
    const message = JSON.parse(oneLine(result.stderr)).msg as string;
    expect(message).toMatch(
      /^config file nowhere\/config\.json not found \(looked at \/.*\/nowhere\/config\.json\): pass --config FILE, or start from sample-config\.json \(/,
    );
  });
});

describe('what a run says about itself', () => {
  const logsOf = (stderr: string) =>
    stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('the dry run summary counts the planned events (2 triggers planned: triggered 2, not 0), and nothing is sent', async () => {
    const sentBefore = pagerDuty.received.length;
    const result = await cli(['run', '--config', 'config.json', '--now', NOW.toISOString(), '--dry-run']);
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).action),
    ).toEqual(['trigger', 'trigger']);
    const summary = logsOf(result.stderr).find((l) => l.msg === 'cycle summary')!.summary;
    expect(summary).toMatchObject({ dryRun: true, triggered: 2, retriggered: 0, resolved: 0, deadLettered: 0 });
    expect(pagerDuty.received).toHaveLength(sentBefore);
    const pretty = await cli(['run', '--config', 'config.json', '--now', NOW.toISOString(), '--dry-run', '--log-format', 'pretty']);
    expect(pretty.stderr).toMatch(/^ {2}events planned +2 triggered, 0 re-triggered, 0 resolved \(dry run: none sent\)$/m);
  });

  it('IIQ_BASE_URL and PAGERDUTY_EVENTS_URL overriding the config are logged once (info)', async () => {
    writeDemoConfig(dir, { iiq: 'https://iiq.example.invalid/identityiq', pagerDuty: 'https://pd.example.invalid/v2/enqueue' });
    const result = await cli(['run', '--config', 'config.json', '--now', NOW.toISOString(), '--dry-run'], {
      ...DEMO_ENV,
      IIQ_BASE_URL: iiq.url,
      PAGERDUTY_EVENTS_URL: pagerDuty.url,
    });
    expect(result.code).toBe(0);
    const overrides = logsOf(result.stderr).filter((l) => /from the environment overrides/.test(l.msg));
    expect(overrides).toEqual([
      expect.objectContaining({
        level: 'info',
        variable: 'IIQ_BASE_URL',
        key: 'iiq.baseUrl',
        url: iiq.url,
        msg: 'IIQ_BASE_URL from the environment overrides iiq.baseUrl of the config file',
      }),
      expect.objectContaining({ level: 'info', variable: 'PAGERDUTY_EVENTS_URL', key: 'pagerduty.eventsUrl', url: pagerDuty.url }),
    ]);
  });
});
