// Measures the path of one run for one identity: which source files and functions it passes
// through, and how many named types those files declare or import. Runs runCycle of the BUILT
// code (dist/, `npm run build` first) once, for one leaver past SLA with one enabled account
// (triggered, delivered, recorded), with a fake source and sender, under V8 precise coverage
// started right before the cycle. Usage: node bench/one-identity-path.mjs [repo-root]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(process.argv[2] ?? '.');
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href;
const { runCycle } = await import(dist('src/cycle/run-cycle.js'));
const { observeIdentities } = await import(dist('src/cycle/observe.js'));
const { parseConfig } = await import(dist('src/config/config.js'));
const { default: pino } = await import(pathToFileURL(join(root, 'node_modules/pino/pino.js')).href);

const NOW = new Date('2026-11-24T12:00:00.000Z');
const jane = {
  id: 'id1',
  name: 'jdoe',
  displayName: 'Jane Doe',
  inactive: true,
  attributes: { hrTerminationDate: new Date(NOW.getTime() - 9 * 3_600_000).toISOString() },
};
const source = {
  async *listInactiveIdentities() {
    yield [jane];
  },
  fetchAccounts: async () => ({ kind: 'accounts', accounts: [{ application: 'Active Directory', status: 'enabled' }] }),
  lookupIdentity: async () => ({ kind: 'gone' }),
};
const sender = { send: async () => ({ ok: true, attempts: 1 }) };
const dir = mkdtempSync(join(tmpdir(), 'one-identity-path-'));
const logger = pino({ level: 'silent' });
const config = parseConfig(
  {
    iiq: { baseUrl: 'https://iiq.example.com/identityiq' },
    leaver: { terminationDateAttribute: 'hrTerminationDate' },
    slaHours: { standard: 8 },
  },
  { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p', PAGERDUTY_ROUTING_KEY: 'R'.repeat(32) },
  dir,
  { routingKey: true },
);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

async function measure(label, run) {
  await session.post('Profiler.takePreciseCoverage'); // resets the counts
  await run();
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const functions = new Map();
  for (const script of result) {
    if (!script.url.startsWith(pathToFileURL(join(root, 'dist/src')).href)) continue;
    const file = relative(join(root, 'dist'), fileURLToPath(script.url)).replace(/\.js$/, '.ts');
    // Named functions that ran (the module's top level, loaded before, does not count).
    const ran = script.functions.filter((f) => f.functionName !== '' && f.ranges[0].count > 0).map((f) => f.functionName);
    if (ran.length > 0) functions.set(file, [...new Set(ran)]);
  }
  const types = new Set();
  for (const file of functions.keys()) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^(?:export )?(?:interface|type) (\w+)/gm)) types.add(m[1]);
    for (const m of text.matchAll(/import type \{([^}]*)\}|import \{([^}]*)\}/g)) {
      for (const part of (m[1] ?? m[2]).split(',')) {
        const name = part.trim();
        if (m[1] !== undefined ? name : name.startsWith('type '))
          types.add(
            name
              .replace(/^type /, '')
              .split(' as ')[0]
              .trim(),
          );
      }
    }
  }
  types.delete('');
  const hops = [...functions.values()].reduce((n, names) => n + names.length, 0);
  console.log(`${label}: ${functions.size} files, ${hops} functions, ${types.size} named types`);
  if (process.env.VERBOSE) for (const [file, names] of functions) console.log(`  ${file}: ${names.join(', ')}`);
}

await measure('observe (listing to observations)', () =>
  observeIdentities({
    source,
    policy: {
      slaHours: { standard: 8 },
      defaultTier: 'standard',
      tierAttribute: undefined,
      terminationDateAttribute: 'hrTerminationDate',
      timeZone: 'UTC',
      excludedApplications: new Set(),
      renotifyMinutes: 240,
    },
    openIncidents: {},
    firstSeenInactive: {},
    verifiedClean: { excludedApplications: [], identities: {} },
    recheckCleanHours: 24,
    now: NOW,
    logger,
    accountPolicy: { applicationSlaHours: {}, exceptions: [] },
  }),
);
await measure('whole cycle (runCycle: lock, state, observe, decide, storm, notifications, delivery, state)', () =>
  runCycle({
    config,
    source,
    mode: { kind: 'deliver', sender },
    now: NOW,
    logger,
    writeStdout: () => undefined,
    writeStderr: () => undefined,
    sourceRequestCount: () => 0,
    pingHeartbeat: async () => undefined,
  }),
);
session.disconnect();
rmSync(dir, { recursive: true, force: true });
