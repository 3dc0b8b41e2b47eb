/**
 * What the not-started listing costs a cycle (`npm run bench -- --scenario not-started
 * --not-started 500`): one fake IIQ serving the inactive population, then the same population
 * with N not-started leavers next to it (active, terminated within the lookback, every account
 * enabled; a fraction past their SLA). One cold dry run each over REST and SCIM (per identity),
 * and the fake's requests split into terms: inactive listing pages, not-started listing pages,
 * account reads of not-started leavers, and the rest. Request counts, not wall time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePopulation, startFakeIiq, type FakeIdentity, type FakeLink } from '../src/sandbox/fake-iiq.js';
import { DEMO_ENV } from '../src/sandbox/scenario.js';
import { CLI_PATH, writeDemoConfig } from '../dev/run-cli.js';
import { runMeasured } from './run-bench.js';

/** What to measure. */
export interface NotStartedBenchOptions {
  /** Inactive identities (the bench's usual population). */
  identities: number;
  /** Not-started leavers served next to them in the second run of each API. */
  notStarted: number;
  /** Share of the not-started leavers terminated past their SLA (the rest are within it). */
  notStartedPastSlaFraction: number;
  accountsPerIdentity: number;
  /** Share of the inactive identities breaching (as in the modes bench). */
  breachingFraction: number;
  latencyMs: number;
  concurrency: number;
  pageSize: number;
}

/** One cold dry run, its requests split into terms. */
export interface NotStartedBenchRow {
  api: 'rest' | 'scim';
  notStarted: number;
  inactiveListingPages: number;
  notStartedListingPages: number;
  /** Account reads (first pages) of not-started leavers past their SLA. */
  notStartedPastSlaAccountReads: number;
  /** Account reads of not-started leavers still within their SLA: none expected. */
  notStartedWithinSlaAccountReads: number;
  /** Everything else: account reads of inactive leavers, the SCIM Account schema. */
  rest: number;
  total: number;
  breachesFound: number;
  expectedBreaches: number;
  exitCode: number | null;
}

const NOW = new Date('2026-11-24T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const APPLICATIONS = ['Active Directory', 'Salesforce', 'SAP ERP', 'Workday', 'GitHub', 'Okta', 'ServiceNow', 'Slack'];

/**
 * N identities IIQ still shows active although HR terminated them (the refresh never ran):
 * floor(N × pastSlaFraction), spread evenly, 10 h ago (past the standard 8 h SLA), the rest 2 h
 * ago (within it). Every account is enabled: no Leaver event ran. Ids and names are their own
 * (`5e…`, `notstarted.NNNNN`), so they never collide with the generated inactive population.
 */
export function notStartedPopulation(o: { count: number; accountsPerIdentity: number; pastSlaFraction: number; now: Date }): {
  identities: FakeIdentity[];
  pastSlaIds: Set<string>;
} {
  const pastSla = new Date(o.now.getTime() - 10 * HOUR_MS).toISOString();
  const withinSla = new Date(o.now.getTime() - 2 * HOUR_MS).toISOString();
  const identities: FakeIdentity[] = [];
  const pastSlaIds = new Set<string>();
  for (let i = 0; i < o.count; i++) {
    const late = Math.floor((i + 1) * o.pastSlaFraction) > Math.floor(i * o.pastSlaFraction);
    const id = `5e${i.toString(16).padStart(30, '0')}`;
    const name = `notstarted.${String(i).padStart(5, '0')}`;
    const links: FakeLink[] = Array.from({ length: o.accountsPerIdentity }, (_, j) => ({
      id: `6f${(i * 1024 + j).toString(16).padStart(30, '0')}`,
      application: APPLICATIONS[j % APPLICATIONS.length] as string,
      nativeIdentity: `${name}@example.com`,
      displayName: name,
      disabled: false,
      locked: false,
    }));
    identities.push({
      id,
      name,
      displayName: `Nora Pending ${i}`,
      inactive: false,
      attributes: { hrTerminationDate: late ? pastSla : withinSla, risk_tier: 'standard' },
      links,
    });
    if (late) pastSlaIds.add(id);
  }
  return { identities, pastSlaIds };
}

type Term = 'inactiveListing' | 'notStartedListing' | 'pastSlaRead' | 'withinSlaRead' | 'rest';

/** Which term a request of the watchdog to the fake IIQ belongs to. */
function termOf(
  path: string,
  query: URLSearchParams,
  notStartedIds: Set<string>,
  pastSlaIds: Set<string>,
  idOfName: Map<string, string>,
): Term {
  const filter = query.get('filter') ?? '';
  if (path.endsWith('/rest/identities') || path.endsWith('/scim/v2/Users')) {
    if (filter.startsWith('inactive==true') || filter.startsWith('active eq false')) return 'inactiveListing';
    if (filter.startsWith('inactive==false') || filter.startsWith('active eq true')) return 'notStartedListing';
    return 'rest';
  }
  let owner: string | undefined;
  const links = /\/rest\/identities\/([^/]+)\/links$/.exec(path);
  if (links) owner = idOfName.get(decodeURIComponent(links[1] as string));
  if (path.endsWith('/scim/v2/Accounts')) owner = /^identity\.value eq "([^"]*)"$/.exec(filter)?.[1];
  if (owner === undefined || !notStartedIds.has(owner)) return 'rest';
  return pastSlaIds.has(owner) ? 'pastSlaRead' : 'withinSlaRead';
}

/** Runs REST and SCIM, each without and with the not-started leavers, against one fake IIQ. */
export async function runNotStartedBench(o: NotStartedBenchOptions): Promise<NotStartedBenchRow[]> {
  const inactive = generatePopulation({
    count: o.identities,
    accountsPerIdentity: o.accountsPerIdentity,
    breachingFraction: o.breachingFraction,
    now: NOW,
  });
  const extra = notStartedPopulation({
    count: o.notStarted,
    accountsPerIdentity: o.accountsPerIdentity,
    pastSlaFraction: o.notStartedPastSlaFraction,
    now: NOW,
  });
  const notStartedIds = new Set(extra.identities.map((identity) => identity.id));
  const idOfName = new Map(extra.identities.map((identity) => [identity.name, identity.id]));
  const counts: Record<Term, number> = { inactiveListing: 0, notStartedListing: 0, pastSlaRead: 0, withinSlaRead: 0, rest: 0 };
  const iiq = await startFakeIiq({
    identities: inactive,
    latencyMs: o.latencyMs,
    username: DEMO_ENV.IIQ_USERNAME,
    password: DEMO_ENV.IIQ_PASSWORD,
    // Counts only: every request is answered as usual.
    fault: ({ path, query }) => {
      counts[termOf(path, query, notStartedIds, extra.pastSlaIds, idOfName)] += 1;
      return undefined;
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-not-started-bench-'));
  const rows: NotStartedBenchRow[] = [];
  try {
    for (const api of ['rest', 'scim'] as const) {
      for (const notStarted of [0, o.notStarted]) {
        iiq.identities = notStarted === 0 ? inactive : [...inactive, ...extra.identities];
        const runDir = join(dir, `${api}-${notStarted}`);
        mkdirSync(runDir);
        const config = writeDemoConfig(
          runDir,
          { iiq: iiq.url, pagerDuty: 'http://127.0.0.1:9/v2/enqueue' },
          {
            iiq: { baseUrl: iiq.url, api, pageSize: o.pageSize, concurrency: o.concurrency, timeoutSeconds: 30, retryMinDelayMs: 100 },
            // One trigger per breaching identity: no storm incident standing for many.
            storm: { threshold: 1_000_000 },
          },
        );
        iiq.resetStats();
        for (const term of Object.keys(counts) as Term[]) counts[term] = 0;
        const run = await runMeasured(
          [CLI_PATH, 'run', '--dry-run', '--config', config, '--now', NOW.toISOString(), '--log-level', 'warn'],
          runDir,
          { ...DEMO_ENV },
        );
        if (run.code !== 0)
          process.stderr.write(`${api} with ${notStarted} not started exited ${run.code}:\n${run.stderr.slice(0, 2000)}\n`);
        rows.push({
          api,
          notStarted,
          inactiveListingPages: counts.inactiveListing,
          notStartedListingPages: counts.notStartedListing,
          notStartedPastSlaAccountReads: counts.pastSlaRead,
          notStartedWithinSlaAccountReads: counts.withinSlaRead,
          rest: counts.rest,
          total: iiq.stats.requests,
          breachesFound: run.stdout.split('\n').filter((line) => line.includes('"action":"trigger"')).length,
          expectedBreaches: Math.floor(o.identities * o.breachingFraction) + (notStarted === 0 ? 0 : extra.pastSlaIds.size),
          exitCode: run.code,
        });
      }
    }
  } finally {
    await iiq.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The measured rows as a Markdown table, with the difference each not-started run makes. */
export function formatNotStartedBench(o: NotStartedBenchOptions, rows: readonly NotStartedBenchRow[]): string {
  const lines = [
    `${o.identities} inactive identities (${o.breachingFraction * 100} % breaching) and ${o.notStarted} not-started leavers ` +
      `(${Math.floor(o.notStarted * o.notStartedPastSlaFraction)} past SLA), ${o.accountsPerIdentity} accounts each, page size ${o.pageSize}, cold dry run`,
    '',
    '| API | not started served | inactive listing pages | not-started listing pages | account reads, not started past SLA | the rest | total | breaches found |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.api === 'rest' ? 'REST' : 'SCIM'} | ${row.notStarted} | ${row.inactiveListingPages} | ${row.notStartedListingPages} | ` +
        `${row.notStartedPastSlaAccountReads} | ${row.rest} | ${row.total} | ${row.breachesFound} of ${row.expectedBreaches} |`,
    );
  }
  return lines.join('\n');
}
