/**
 * `npm run demo`: starts a fake IdentityIQ and a fake PagerDuty on 127.0.0.1, runs the real
 * CLI for two cycles (breaches trigger, then remediation resolves) and `report`, prints each
 * command it runs and why each leaver was or was not paged, and removes its temp folder.
 * `npm run demo -- --isc`: the same story with a fake Identity Security Cloud as the source.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startFakeIiq } from '../src/sandbox/fake-iiq.js';
import { startFakeIsc } from '../src/sandbox/fake-isc.js';
import { startFakePagerDuty } from '../src/sandbox/fake-pagerduty.js';
import { asSourceRead, narrateLeaver } from '../src/sandbox/narrate-leaver.js';
import { ISC_DEMO_ENV, iscConfigOverrides, remediateIsc, toIscIdentities } from '../src/sandbox/isc-scenario.js';
import { DEMO_ENV, STORY_POLICY, demoStory, remediate } from '../src/sandbox/scenario.js';
import { CLI_PATH, runCli, writeDemoConfig } from '../dev/run-cli.js';

const now = new Date();
const useIsc = process.argv.includes('--isc');
const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-demo-'));
// The story's leavers as IIQ shapes them: the narration reads these, whichever source serves them.
const leavers = demoStory(now);
const source = useIsc ? await startIscSource() : await startIiqSource();
const pagerDuty = await startFakePagerDuty();
const config = writeDemoConfig(dir, { iiq: source.url, pagerDuty: pagerDuty.url }, useIsc ? iscConfigOverrides(source.url) : {});
// The same rules as the config writeDemoConfig wrote, for the narration.
const policy = STORY_POLICY;
const nameByKey = new Map<string, string>(); // dedup key → identity name, learnt from triggers
/** Identities whose narration disagreed with what PagerDuty got: any fails the demo. */
const disagreements: string[] = [];

try {
  console.log(`Fake ${source.name} at ${source.url}, fake PagerDuty at ${pagerDuty.url}`);
  console.log(`Working folder: ${dir} (removed at the end)`);
  console.log(
    'Each command runs the built CLI with the fakes\' test credentials in its environment (SLA: privileged 4 h, standard 8 h, contractor 6 h; "HR Archive" excluded).\n',
  );

  await cycle('Cycle 1: six leavers (one still active in the source), as of now', now);
  console.log(`\n... the Leaver finally runs: Jane's and John's accounts are disabled in ${source.name} ...\n`);
  source.remediate('jdoe');
  source.remediate('jsmith');
  await cycle('Cycle 2, 15 minutes later', new Date(now.getTime() + 15 * 60_000));

  console.log('\n== What the audit log says: time to detect and to remediate');
  const report = await command(['report', '--config', config]);
  console.log(report.stdout.trimEnd().replace(/^/gm, '  '));
} finally {
  await Promise.all([source.close(), pagerDuty.close()]);
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nRemoved ${dir}.`);
}
if (disagreements.length > 0) process.exitCode = 1;

/** Prints the command line, runs it, and fails the demo on an unexpected exit code. */
async function command(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  console.log(
    `$ node ${relative(process.cwd(), CLI_PATH) || CLI_PATH} ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`,
  );
  const result = await runCli(args, { cwd: dir, env: { ...source.env } });
  if (result.code !== 0) {
    console.log(`  exit code ${result.code}\n${result.stderr}`);
    throw new Error(`${args[0]} exited ${result.code}`);
  }
  return result;
}

async function cycle(title: string, at: Date): Promise<void> {
  console.log(`== ${title}`);
  const before = pagerDuty.received.length;
  const result = await command(['run', '--config', config, '--now', at.toISOString()]);
  const summary = result.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; summary?: Partial<Record<string, number>> })
    .find((l) => l.msg === 'cycle summary');
  const got = new Map<string, string>(); // identity name → what PagerDuty got this cycle
  for (const { body, status } of pagerDuty.received.slice(before)) {
    const event = body as SentEvent;
    const payload = event.payload;
    if (payload?.custom_details?.identity_name) nameByKey.set(event.dedup_key, payload.custom_details.identity_name);
    const name = nameByKey.get(event.dedup_key);
    if (name) got.set(name, event.event_action);
    console.log(
      `  PagerDuty got ${event.event_action} ${event.dedup_key} (HTTP ${status})${payload ? `\n    [${payload.severity}] ${payload.summary}` : ''}`,
    );
  }
  if (pagerDuty.received.length === before) console.log('  PagerDuty got nothing');
  const s = summary?.summary ?? {};
  console.log(
    `  exit code ${result.code}; listed ${s.inactiveListed} inactive and ${s.notStartedListed} not started, ${s.pastSla} past SLA, ${s.linksFetched} link reads, ${s.triggered} triggered, ${s.resolved} resolved`,
  );
  console.log('  Why:');
  for (const identity of leavers) {
    const read = asSourceRead(identity);
    const why = narrateLeaver(read.identity, read.accounts, policy, { applicationSlaHours: {}, exceptions: [] }, at.getTime());
    const sent = got.get(identity.name);
    const verdict =
      sent === 'trigger'
        ? 'paged'
        : sent === 'resolve'
          ? 'incident resolved'
          : why.paged
            ? 'still paged (incident stays open)'
            : 'not paged';
    // The narration must agree with what PagerDuty actually got: a trigger only for a breach.
    if ((sent === 'trigger') !== (why.paged && !wasOpen(identity.name, before))) {
      disagreements.push(identity.name);
      console.log(`    ! the narration and PagerDuty disagree about ${identity.name}`);
    }
    console.log(`    ${identity.displayName} (${identity.name}): ${verdict} — ${why.reason}`);
  }
}

/** The fields of an event the CLI sent that the narration reads (the CLI always sends them). */
interface SentEvent {
  event_action: string;
  dedup_key: string;
  payload?: { severity?: string; summary?: string; custom_details?: { identity_name?: string } };
}

/** Whether this identity's incident was opened before the given index of received events. */
function wasOpen(name: string, beforeIndex: number): boolean {
  let open = false;
  for (const { body, status } of pagerDuty.received.slice(0, beforeIndex)) {
    const event = body as SentEvent;
    if (status === 202 && nameByKey.get(event.dedup_key) === name) open = event.event_action === 'trigger';
  }
  return open;
}

/** The fake source of the story: IdentityIQ (default) or Identity Security Cloud (`--isc`). */
interface DemoSource {
  name: string;
  url: string;
  env: Record<string, string>;
  remediate(name: string): void;
  close(): Promise<void>;
}

async function startIiqSource(): Promise<DemoSource> {
  const iiq = await startFakeIiq({ identities: leavers, username: DEMO_ENV.IIQ_USERNAME, password: DEMO_ENV.IIQ_PASSWORD });
  return {
    name: 'IdentityIQ',
    url: iiq.url,
    env: { ...DEMO_ENV },
    remediate: (name) => {
      remediate(iiq.identities, name);
      remediate(leavers, name); // idempotent, should the fake keep its own copy
    },
    close: () => iiq.close(),
  };
}

async function startIscSource(): Promise<DemoSource> {
  const isc = await startFakeIsc({ identities: toIscIdentities(leavers) });
  const remediateBoth = (name: string): void => {
    remediateIsc(isc.identities, name);
    remediate(leavers, name);
  };
  return { name: 'Identity Security Cloud', url: isc.url, env: { ...ISC_DEMO_ENV }, remediate: remediateBoth, close: () => isc.close() };
}
