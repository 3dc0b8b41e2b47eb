/**
 * The same Leaver scenario through the built CLI over every IIQ mode (REST, SCIM + Basic,
 * SCIM + OAuth, SCIM bulk): PagerDuty must receive the same events (npm test builds first).
 */
import { describe, expect, it } from 'vitest';
import { startFakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV, demoStory, remediate } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { NOW } from '../helpers/clock.js';

const OAUTH = { clientId: 'watchdog-client', clientSecret: 'parity-client-secret' };

interface Mode {
  name: string;
  iiq: Record<string, unknown>;
  env: Record<string, string>;
}
const MODES: Mode[] = [
  { name: 'rest + basic', iiq: { api: 'rest' }, env: { ...DEMO_ENV } },
  { name: 'scim + basic', iiq: { api: 'scim' }, env: { ...DEMO_ENV } },
  {
    name: 'scim + oauth',
    iiq: { api: 'scim', auth: 'oauth' },
    env: { IIQ_CLIENT_ID: OAUTH.clientId, IIQ_CLIENT_SECRET: OAUTH.clientSecret, PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY },
  },
  {
    name: 'scim bulk + oauth',
    iiq: { api: 'scim', auth: 'oauth', scimAccountsBulk: true },
    env: { IIQ_CLIENT_ID: OAUTH.clientId, IIQ_CLIENT_SECRET: OAUTH.clientSecret, PAGERDUTY_ROUTING_KEY: DEMO_ENV.PAGERDUTY_ROUTING_KEY },
  },
];

/** Trigger cycle, remediation, resolve cycle; the events PagerDuty accepted, without timestamps and ports. */
async function runScenario(mode: Mode): Promise<{ events: unknown[]; stderr: string }> {
  const dir = makeTempDir('watchdog-parity-');
  const iiq = await startFakeIiq({
    identities: demoStory(NOW),
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    oauth: OAUTH,
  });
  const pagerDuty = await startFakePagerDuty();
  try {
    const config = writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      {
        iiq: { baseUrl: iiq.url, pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10, ...mode.iiq },
      },
    );
    const cycle = (at: Date) => runCli(['run', '--config', config, '--now', at.toISOString()], { cwd: dir, env: mode.env });
    const first = await cycle(NOW);
    remediate(iiq.identities, 'jdoe');
    remediate(iiq.identities, 'jsmith');
    const second = await cycle(new Date(NOW.getTime() + 15 * 60_000));
    expect([first.code, second.code], `${mode.name}: ${first.stderr}${second.stderr}`).toEqual([0, 0]);
    const events = pagerDuty.accepted().map((event: Record<string, any>) => {
      const { payload, ...rest } = event;
      const copy = JSON.parse(JSON.stringify(rest).replaceAll(iiq.url, '<iiq>')) as Record<string, unknown>;
      if (payload) {
        const { timestamp: _ignored, ...kept } = payload as Record<string, unknown>;
        copy.payload = kept;
      }
      return copy;
    });
    // Within a cycle the order of events follows IIQ answer timing; compare as sets.
    const order = (e: Record<string, unknown>): string => `${e.event_action as string}${e.dedup_key as string}`;
    events.sort((a, b) => order(a).localeCompare(order(b)));
    return { events, stderr: first.stderr + second.stderr };
  } finally {
    await Promise.all([iiq.close(), pagerDuty.close()]);
  }
}

describe('the same decisions and events over every IIQ mode', () => {
  it('triggers Jane (warning), John (error) and Nora (not started, warning), then resolves Jane and John, identically in every mode', async () => {
    const results = await Promise.all(MODES.map(runScenario));
    const [reference, ...others] = results;
    expect(reference?.events.map((e: any) => [e.event_action, e.dedup_key, e.payload?.severity])).toEqual([
      ['resolve', 'iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9', undefined],
      ['resolve', 'iiq-leaver-sla-1b2c3d4e5f60718293a4b5c6d7e8f90a', undefined],
      ['trigger', 'iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'warning'],
      ['trigger', 'iiq-leaver-sla-1b2c3d4e5f60718293a4b5c6d7e8f90a', 'error'],
      ['trigger', 'iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e', 'warning'],
    ]);
    const nora = reference?.events.find((e: any) => e.dedup_key === 'iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e') as any;
    expect(nora.payload.custom_details.leaver_stage).toBe('not-started');
    expect(nora.payload.summary).toBe(
      'Leaver not started: Nora Pending is still active in IdentityIQ 10.0h after termination; 1 account enabled (standard SLA 8h)',
    );
    others.forEach((result, i) => expect(result.events, MODES[i + 1]?.name).toEqual(reference?.events));
    for (const { stderr } of results) expect(stderr).not.toContain(OAUTH.clientSecret);
  });
});
