/**
 * Parity (everything after the listing is the same): one Leaver scenario through the
 * built CLI with IIQ SCIM and with ISC as the source; PagerDuty must receive the same events
 * apart from `payload.component`, the identity link and the source a not-started summary names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeIiq } from '../../src/sandbox/fake-iiq.js';
import { startFakeIsc } from '../../src/sandbox/fake-isc.js';
import { startFakePagerDuty } from '../../src/sandbox/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../../src/sandbox/isc-scenario.js';
import { DEMO_ENV, demoStory, remediate } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { NOW, HOUR_MS as HOUR } from '../helpers/clock.js';

interface Source {
  url: string;
  overrides: Record<string, unknown>;
  env: Record<string, string>;
  remediate(name: string): void;
  close(): Promise<void>;
}

async function iiqSource(): Promise<Source> {
  const iiq = await startFakeIiq({ identities: demoStory(NOW), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  return {
    url: iiq.url,
    overrides: { iiq: { baseUrl: iiq.url, api: 'scim', pageSize: 2, retryMinDelayMs: 10 } },
    env: { ...DEMO_ENV },
    remediate: (n) => remediate(iiq.identities, n),
    close: () => iiq.close(),
  };
}

async function iscSource(): Promise<Source> {
  const isc = await startFakeIsc({ identities: toIscIdentities(demoStory(NOW)) });
  return {
    url: isc.url,
    overrides: iscConfigOverrides(isc.url),
    env: { ...ISC_DEMO_ENV },
    remediate: (n) => remediateIsc(isc.identities, n),
    close: () => isc.close(),
  };
}

/** Trigger, escalation and re-notification four hours on, remediation an hour later; the events without timestamp, component and links. */
async function scenario(start: () => Promise<Source>): Promise<{ events: unknown[]; links: unknown[]; components: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-isc-parity-'));
  const source = await start();
  const pagerDuty = await startFakePagerDuty();
  try {
    const config = writeDemoConfig(dir, { iiq: source.url, pagerDuty: pagerDuty.url }, source.overrides);
    const cycle = async (at: Date) => {
      const result = await runCli(['run', '--config', config, '--now', at.toISOString()], { cwd: dir, env: source.env });
      expect(result.code, result.stderr).toBe(0);
    };
    await cycle(NOW);
    await cycle(new Date(NOW.getTime() + 4 * HOUR)); // Jane past 2 × 4 h: escalated to error
    source.remediate('jdoe');
    source.remediate('jsmith');
    await cycle(new Date(NOW.getTime() + 5 * HOUR));
    const accepted = pagerDuty.accepted() as Record<string, any>[];
    const events = accepted
      .map(({ links: _links, payload, ...rest }) => {
        if (!payload) return rest;
        const { timestamp: _t, component: _c, ...kept } = payload as Record<string, unknown>;
        return { ...rest, payload: kept };
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return {
      events,
      links: accepted.flatMap((e) => e.links ?? []),
      components: [...new Set(accepted.flatMap((e) => (e.payload ? [e.payload.component] : [])))],
    };
  } finally {
    await Promise.all([source.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('IIQ SCIM and ISC give PagerDuty the same events', () => {
  it('apart from component and identity link', async () => {
    const [iiq, isc] = await Promise.all([scenario(iiqSource), scenario(iscSource)]);
    // Jane warning then error, John error and re-sent after renotifyMinutes, Chris (contractor) past SLA by then;
    // Nora (not started: still active in the source) warning and re-sent after renotifyMinutes; two resolves.
    expect(iiq.events.map((e: any) => `${e.event_action} ${e.dedup_key.slice(15, 19)} ${e.payload?.severity ?? ''}`).sort()).toEqual([
      'resolve 0a1b ',
      'resolve 1b2c ',
      'trigger 0a1b error',
      'trigger 0a1b warning',
      'trigger 1b2c error',
      'trigger 1b2c error',
      'trigger 2c3d warning',
      'trigger 5f60 warning',
      'trigger 5f60 warning',
    ]);
    // A not-started leaver's summary names the source that still shows her active, as component does.
    const summaries = (events: unknown[]) =>
      events.map((e: any) => e.payload?.summary as string | undefined).filter((t) => t?.startsWith('Leaver not started'));
    expect(summaries(iiq.events)).toEqual([
      'Leaver not started: Nora Pending is still active in IdentityIQ 10.0h after termination; 1 account enabled (standard SLA 8h)',
      'Leaver not started: Nora Pending is still active in IdentityIQ 14.0h after termination; 1 account enabled (standard SLA 8h)',
    ]);
    expect(summaries(isc.events)).toEqual(summaries(iiq.events).map((t) => t?.replace('in IdentityIQ', 'in Identity Security Cloud')));
    const sameSource = (events: unknown[]) =>
      events.map((e: any) =>
        e.payload
          ? { ...e, payload: { ...e.payload, summary: e.payload.summary.replace('in Identity Security Cloud', 'in IdentityIQ') } }
          : e,
      );
    expect(sameSource(isc.events)).toEqual(iiq.events);
    expect(iiq.components).toEqual(['identityiq']);
    expect(isc.components).toEqual(['identity-security-cloud']);
    expect(new Set(isc.links.map((l: any) => l.text))).toEqual(new Set(['Identity in Identity Security Cloud']));
    expect(new Set(iiq.links.map((l: any) => l.text))).toEqual(new Set(['Identity in IdentityIQ']));
  });
});
