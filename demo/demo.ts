/**
 * `npm run demo`: starts a fake IdentityIQ and a fake PagerDuty on 127.0.0.1, runs the real
 * CLI for two cycles (breaches trigger, then remediation resolves), and tells what PagerDuty got.
 * `npm run demo -- --isc`: the same story with a fake Identity Security Cloud as the source.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeIiq } from '../dev/fake-iiq.js';
import { startFakeIsc } from '../dev/fake-isc.js';
import { startFakePagerDuty } from '../dev/fake-pagerduty.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../dev/isc-scenario.js';
import { DEMO_ENV, demoIdentities, remediate, runCli, writeDemoConfig } from '../dev/scenario.js';

const now = new Date();
const useIsc = process.argv.includes('--isc');
const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-demo-'));
const source = useIsc
  ? await (async () => {
      const isc = await startFakeIsc({ identities: toIscIdentities(demoIdentities(now)) });
      return { name: 'Identity Security Cloud', url: isc.url, env: { ...ISC_DEMO_ENV }, remediate: (n: string) => remediateIsc(isc.identities, n), close: () => isc.close() };
    })()
  : await (async () => {
      const iiq = await startFakeIiq({ identities: demoIdentities(now), username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
      return { name: 'IdentityIQ', url: iiq.url, env: { ...DEMO_ENV }, remediate: (n: string) => remediate(iiq.identities, n), close: () => iiq.close() };
    })();
const pagerDuty = await startFakePagerDuty();
const config = writeDemoConfig(dir, { iiq: source.url, pagerDuty: pagerDuty.url }, useIsc ? iscConfigOverrides(source.url) : {});

try {
  console.log(`Fake ${source.name} at ${source.url}, fake PagerDuty at ${pagerDuty.url}`);
  console.log(`Working folder: ${dir}\n`);

  await cycle('Cycle 1: five leavers; Jane (privileged, 5.2 h) and John (standard, 20 h) still have enabled accounts', now);
  console.log(`\n... the Leaver finally runs: Jane's and John's accounts are disabled in ${source.name} ...`);
  source.remediate('jdoe');
  source.remediate('jsmith');
  await cycle('Cycle 2, 15 minutes later', new Date(now.getTime() + 15 * 60_000));

  console.log(`\nAudit log (${join(dir, 'audit.jsonl')}):`);
  for (const line of readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n')) {
    const record = JSON.parse(line) as Record<string, unknown>;
    const extra = record.event_action === 'resolve' ? `, breach_minutes=${record.breach_minutes}` : `, severity=${record.severity}`;
    console.log(`  ${record.event_action} ${record.identity_name} (${record.tier}) — ${record.reason}${extra}`);
  }
} finally {
  await Promise.all([source.close(), pagerDuty.close()]);
}

async function cycle(title: string, at: Date): Promise<void> {
  console.log(`== ${title}`);
  const before = pagerDuty.received.length;
  const result = await runCli(['run', '--config', config, '--now', at.toISOString()], { cwd: dir, env: source.env });
  const summary = result.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; summary?: Record<string, unknown> }).find((l) => l.msg === 'cycle summary');
  for (const { body, status } of pagerDuty.received.slice(before)) {
    const payload = body.payload as { severity?: string; summary?: string } | undefined;
    console.log(`  PagerDuty got ${body.event_action} ${body.dedup_key} (HTTP ${status})${payload ? `\n    [${payload.severity}] ${payload.summary}` : ''}`);
  }
  if (pagerDuty.received.length === before) console.log('  PagerDuty got nothing');
  const s = summary?.summary ?? {};
  console.log(`  exit code ${result.code}; listed ${s.inactiveListed} inactive, ${s.pastSla} past SLA, ${s.linksFetched} link reads, ${s.triggered} triggered, ${s.resolved} resolved`);
  if (result.code !== 0) {
    console.log(result.stderr);
    throw new Error(`cycle exited ${result.code}`);
  }
}
