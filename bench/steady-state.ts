/**
 * The steady-state scenario of `npm run bench`: real cycles of the built CLI against a
 * fake IIQ with latency — cold, +15 min, +12 h, +24 h — with the 15-minute cycles in between
 * played on the pure schedule (they would re-read, and re-verify, exactly the identities it
 * says). Probes check that nothing is missed: a new leaver, re-enabled accounts (paged in the
 * next cycle where the source lists changed accounts, at the re-check over IIQ REST), a changed
 * termination date.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePopulation, startFakeIiq, type FakeIdentity, type FakeIiq } from '../src/sandbox/fake-iiq.js';
import { startFakePagerDuty, type FakePagerDuty } from '../src/sandbox/fake-pagerduty.js';
import { DEMO_ENV } from '../src/sandbox/scenario.js';
import { CLI_PATH, writeDemoConfig } from '../dev/run-cli.js';
import { recheckDueAtMs } from '../src/sla/read-plan.js';
import { identityDedupKey } from '../src/sla/incident.js';
import { renderStateJson, type VerifiedCleanState } from '../src/state/state-file.js';
import { runMeasured } from './run-bench.js';

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;
const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const RECHECK_HOURS = 24;

/** Which watchdog modes the scenario runs. */
export type SteadyMode = 'rest' | 'scim' | 'bulk';

/** What to run. */
export interface SteadyOptions {
  identities: number;
  accountsPerIdentity: number;
  breachingFraction: number;
  latencyMs: number;
  concurrency: number;
  pageSize: number;
  modes: readonly SteadyMode[];
  /** Also run +24 h on the state of +15 min (no cycle for a day: every verification due at once). */
  catchUp: boolean;
  onRow?: (row: SteadyRow) => void;
}

/** One real cycle. */
export interface SteadyRow {
  mode: SteadyMode;
  cycle: string;
  requests: number;
  /** Accounts IIQ sent back (a bulk page holds 1,000). */
  accountsServed: number;
  wallMs: number;
  peakRssMb: number;
  skipped: number;
  rechecked: number;
  accountsRead: number;
  /** The terms of the request count: listing pages, change-read pages, identities read for a changed account. */
  listingPages: number;
  changeReadPages: number;
  accountChangedReads: number;
  eventsDelivered: number;
  exitCode: number | null;
}

/** One pass/fail probe or target. */
export interface SteadyCheck {
  mode: SteadyMode;
  name: string;
  ok: boolean;
  detail: string;
}

const MODES: Record<SteadyMode, Record<string, unknown>> = {
  rest: { api: 'rest' },
  scim: { api: 'scim' },
  bulk: { api: 'scim', scimAccountsBulk: true },
};

/** Runs every mode at one latency. */
export async function runSteadyState(o: SteadyOptions): Promise<{ rows: SteadyRow[]; checks: SteadyCheck[] }> {
  const rows: SteadyRow[] = [];
  const checks: SteadyCheck[] = [];
  for (const mode of o.modes) {
    const result = await runMode(mode, o);
    rows.push(...result.rows);
    checks.push(...result.checks);
  }
  return { rows, checks };
}

async function runMode(mode: SteadyMode, o: SteadyOptions): Promise<{ rows: SteadyRow[]; checks: SteadyCheck[] }> {
  const population = generatePopulation({
    count: o.identities,
    accountsPerIdentity: o.accountsPerIdentity,
    breachingFraction: o.breachingFraction,
    now: new Date(NOW),
  });
  const probes = chooseProbes(population);
  const iiq = await startFakeIiq({
    identities: population,
    latencyMs: o.latencyMs,
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
  });
  const pagerDuty = await startFakePagerDuty();
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-steady-'));
  const statePath = join(dir, 'watchdog-state.json');
  const rows: SteadyRow[] = [];
  const checks: SteadyCheck[] = [];
  const check = (name: string, ok: boolean, detail: string): void => void checks.push({ mode, name, ok, detail });
  try {
    writeDemoConfig(
      dir,
      { iiq: iiq.url, pagerDuty: pagerDuty.url },
      {
        iiq: {
          baseUrl: iiq.url,
          pageSize: o.pageSize,
          concurrency: o.concurrency,
          timeoutSeconds: 120,
          retryMinDelayMs: 100,
          ...MODES[mode],
        },
        pagerduty: {
          eventsUrl: pagerDuty.url,
          source: 'bench',
          retries: 1,
          retryMinDelayMs: 10,
          maxEventsPerMinute: 1000, // the bound; 200 breaches take 12 s to page
          renotifyMinutes: 240,
        },
        storm: { threshold: 1_000_000 },
      },
    );
    const cycle = async (name: string, atMs: number): Promise<SteadyRow> => {
      const row = await runCycle(mode, name, atMs, dir, iiq, pagerDuty);
      rows.push(row);
      o.onRow?.(row);
      return row;
    };
    const triggeredFor = (id: string): boolean =>
      (pagerDuty.accepted() as { event_action?: string; dedup_key?: string }[]).some(
        (e) => e.event_action === 'trigger' && e.dedup_key === identityDedupKey(id),
      );

    const cold = await cycle('cold', NOW);
    // After its verification, re-enabled and re-aggregated: paged at +15 min where the source lists
    // changed accounts (SCIM), at its re-check over REST.
    reEnable(probes.reEnabled, NOW + 5 * 60_000);
    const quarter = await cycle('+15 min', NOW + QUARTER);
    const changeRead = mode !== 'rest';
    check(
      changeRead ? 're-enabled account paged in the next cycle (+15 min)' : 're-enabled account not seen before its re-check (REST)',
      triggeredFor(probes.reEnabled.id) === changeRead,
      changeRead
        ? `${quarter.accountChangedReads} identities read because an account changed`
        : `re-check due ${iso(probes.reEnabledDueMs)}`,
    );
    copyFileSync(statePath, join(dir, 'state-at-15-min.json'));
    fastForward(statePath, NOW + 2 * QUARTER, NOW + 12 * HOUR - QUARTER);
    probes.changed.attributes.hrTerminationDate = new Date(NOW - 40 * 24 * HOUR).toISOString();
    // Re-enabled between the played cycles and +12 h: the watermark left by the cycle before covers it.
    reEnable(probes.reEnabledLate, NOW + 12 * HOUR - 5 * 60_000);
    const noon = await cycle('+12 h', NOW + 12 * HOUR);
    check(
      changeRead ? 'account re-enabled at +11 h 55 min paged at +12 h' : 'account re-enabled at +11 h 55 min not seen at +12 h (REST)',
      triggeredFor(probes.reEnabledLate.id) === changeRead,
      `its re-check is due ${iso(recheckDueAtMs(probes.reEnabledLate.id, NOW, RECHECK_HOURS))}`,
    );
    const changedRead = mode === 'bulk' ? undefined : iiq.stats.accountReads[probes.changed.id];
    const changedVerification = (JSON.parse(readFileSync(statePath, 'utf8')) as StateWithVerifications).verifiedClean.identities[
      probes.changed.id
    ];
    check(
      'new leaver paged in the first cycle after its deadline (+12 h)',
      triggeredFor(probes.newLeaver.id),
      `deadline ${new Date(probes.newLeaverDeadlineMs).toISOString()}`,
    );
    check(
      'changed termination date read at once (+12 h)',
      changedVerification?.[1] === NOW - 40 * 24 * HOUR && (mode === 'bulk' || changedRead === 1),
      `verified again under the new date${mode === 'bulk' ? ' (bulk: from the bulk read)' : `; account reads of it: ${changedRead ?? 0}`}`,
    );
    fastForward(statePath, NOW + 12 * HOUR + QUARTER, NOW + 24 * HOUR - QUARTER);
    const day = await cycle('+24 h', NOW + 24 * HOUR);
    check(
      're-enabled account paged by +24 h',
      triggeredFor(probes.reEnabled.id),
      changeRead ? 'at +15 min (above)' : 'at its re-check, within recheckCleanHours',
    );
    for (const warm of [quarter, noon, day]) {
      const ratio = cold.requests / Math.max(1, warm.requests);
      // Bulk mode's cold cycle is already a few hundred requests (the listing alone is 40): the target is the per-identity modes'.
      if (mode !== 'bulk')
        check(
          `${warm.cycle}: at least 20 x fewer IIQ requests than cold`,
          ratio >= 20,
          `${cold.requests} / ${warm.requests} = ${ratio.toFixed(1)} x`,
        );
      if (o.latencyMs >= 300) check(`${warm.cycle}: under 60 s`, warm.wallMs < 60_000, `${(warm.wallMs / 1000).toFixed(1)} s`);
    }
    if (o.catchUp) {
      copyFileSync(join(dir, 'state-at-15-min.json'), statePath);
      await cycle('+24 h, no cycle since +15 min', NOW + 24 * HOUR);
    }
    for (const row of rows) check(`${row.cycle}: peak RSS under 150 MB`, row.peakRssMb < 150, `${row.peakRssMb.toFixed(0)} MB`);
    for (const row of rows) check(`${row.cycle}: exit 0`, row.exitCode === 0, `exit ${row.exitCode}`);
  } finally {
    await Promise.all([iiq.close(), pagerDuty.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, checks };
}

async function runCycle(
  mode: SteadyMode,
  name: string,
  atMs: number,
  dir: string,
  iiq: FakeIiq,
  pagerDuty: FakePagerDuty,
): Promise<SteadyRow> {
  iiq.resetStats();
  const eventsBefore = pagerDuty.accepted().length;
  const run = await runMeasured(
    [CLI_PATH, 'run', '--config', join(dir, 'config.json'), '--now', new Date(atMs).toISOString(), '--log-level', 'info'],
    dir,
    { ...DEMO_ENV },
  );
  const summary =
    run.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg?: string; summary?: Record<string, number> })
      .find((line) => line.msg === 'cycle summary')?.summary ?? {};
  if (run.code !== 0) process.stderr.write(`${mode} ${name} exited ${run.code}:\n${run.stderr.slice(-2000)}\n`);
  return {
    mode,
    cycle: name,
    requests: iiq.stats.requests,
    accountsServed: iiq.stats.accountsServed,
    wallMs: run.wallMs,
    peakRssMb: run.maxRssKb / 1024,
    skipped: summary.verifiedCleanSkipped ?? -1,
    rechecked: summary.verifiedCleanRechecked ?? -1,
    accountsRead: summary.linksFetched ?? -1,
    listingPages: (iiq.stats.byRoute['scim.users'] ?? 0) + (iiq.stats.byRoute['rest.identities'] ?? 0),
    changeReadPages: iiq.stats.changeReadPages,
    accountChangedReads: summary.accountChangedReads ?? -1,
    eventsDelivered: pagerDuty.accepted().length - eventsBefore,
    exitCode: run.code,
  };
}

/** The part of the state file the bench reads and rewrites. */
interface StateWithVerifications {
  version: number;
  verifiedClean: VerifiedCleanState;
  accountChanges?: { watermark: string; accountChangedReads: number };
}

/**
 * Plays the 15-minute cycles from `firstMs` to `lastMs` on the state file: an identity whose
 * re-check falls due is re-read (and, nothing having changed, verified again) at that cycle.
 */
function fastForward(statePath: string, firstMs: number, lastMs: number): void {
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as StateWithVerifications;
  const identities = state.verifiedClean.identities;
  for (const [id, [verifiedAtSeconds, terminatedAtMs, tier]] of Object.entries(identities)) {
    let verifiedAt = verifiedAtSeconds;
    let dueMs = recheckDueAtMs(id, verifiedAt * 1000, RECHECK_HOURS);
    for (let at = firstMs; at <= lastMs; at += QUARTER) {
      if (at < dueMs) continue;
      verifiedAt = at / 1000;
      dueMs = recheckDueAtMs(id, at, RECHECK_HOURS);
    }
    identities[id] = [verifiedAt, terminatedAtMs, tier];
  }
  // Each played cycle read the (unchanged) accounts since the watermark and moved it on.
  if (state.accountChanges) state.accountChanges = { watermark: iso(lastMs - QUARTER), accountChangedReads: 0 };
  writeFileSync(statePath, renderStateJson(state));
}

/** The probes: a new leaver due just before +12 h, a clean identity re-checked at +24 h, one re-checked well after +12 h. */
function chooseProbes(population: FakeIdentity[]) {
  const clean = population.filter((identity) => identity.links.every((link) => link.disabled));
  const reEnabled = clean.find((i) => inWindow(recheckDueAtMs(i.id, NOW, RECHECK_HOURS), NOW + 24 * HOUR - QUARTER, NOW + 24 * HOUR));
  const changed = clean.find((i) => recheckDueAtMs(i.id, NOW, RECHECK_HOURS) > NOW + 13 * HOUR && i !== reEnabled);
  const reEnabledLate = clean.find((i) => recheckDueAtMs(i.id, NOW, RECHECK_HOURS) > NOW + 13 * HOUR && i !== reEnabled && i !== changed);
  if (!reEnabled || !changed || !reEnabledLate)
    throw new Error('the population is too small to choose the probes: use at least 300 identities');
  // Standard SLA 8 h: terminated 3 h 50 min after the cold cycle, so the deadline falls 10 min before +12 h.
  const newLeaverDeadlineMs = NOW + 12 * HOUR - 10 * 60_000;
  const newLeaver: FakeIdentity = {
    id: 'feedfacefeedfacefeedfacefeedface',
    name: 'bench.new.leaver',
    displayName: 'Bench New Leaver',
    inactive: true,
    attributes: { hrTerminationDate: new Date(newLeaverDeadlineMs - 8 * HOUR).toISOString(), risk_tier: 'standard' },
    links: [
      {
        id: 'feedfacefeedfacefeedfaceaccount1',
        application: 'Active Directory',
        nativeIdentity: 'CN=Bench New Leaver',
        displayName: 'bench.new.leaver',
        disabled: false,
      },
    ],
  };
  population.push(newLeaver);
  return {
    reEnabled,
    reEnabledDueMs: recheckDueAtMs(reEnabled.id, NOW, RECHECK_HOURS),
    reEnabledLate,
    changed,
    newLeaver,
    newLeaverDeadlineMs,
  };
}

/** An account enabled again, and refreshed by the aggregation that saw it (IIQ's `lastRefresh`). */
function reEnable(identity: FakeIdentity, refreshedMs: number): void {
  const link = identity.links[0];
  if (!link) throw new Error('the re-enabled probe has no account');
  link.disabled = false;
  link.lastRefresh = iso(refreshedMs);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function inWindow(ms: number, afterMs: number, untilMs: number): boolean {
  return ms > afterMs && ms <= untilMs;
}
