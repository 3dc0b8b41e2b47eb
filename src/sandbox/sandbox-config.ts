/**
 * The config and env file the sandbox writes: its own ready config for the built-in
 * story, or a copy of a team's config pointed at the fakes, so the team's real settings
 * (attributes, tiers, SLAs, exclusions) are exercised as they are.
 */
import { FAKE_REFRESH_WORKFLOW } from './fake-iiq-workflows.js';
import { copyFileSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { omitKeys } from '../omit-keys.js';
import { PRODUCT_NAME } from '../sla/incident.js';

/** Where the fakes listen: IIQ context root, ISC tenant URL, PagerDuty events URL. */
export interface FakeEndpoints {
  iiq: string;
  isc: string;
  pagerduty: string;
}

/** Credentials of the loopback fakes: test values, not secrets of any real system. */
export const SANDBOX_ENV = {
  IIQ_USERNAME: 'watchdog',
  IIQ_PASSWORD: 'sandbox-password',
  IIQ_CLIENT_ID: 'sandbox-client',
  IIQ_CLIENT_SECRET: 'sandbox-client-secret',
  ISC_CLIENT_ID: 'sandbox-isc-client',
  ISC_CLIENT_SECRET: 'sandbox-isc-client-secret',
  PAGERDUTY_ROUTING_KEY: 'SANDB0XR0UT1NGKEY000000000000000',
} as const;

/** The variables that, exported in a shell, beat the sandbox's `.env` (dotenv never overrides). */
export const OVERRIDING_VARIABLES = [...Object.keys(SANDBOX_ENV), 'IIQ_BASE_URL', 'PAGERDUTY_EVENTS_URL'] as const;

/** The files a run writes, always inside the sandbox folder. */
const LOCAL_FILES = { state: './watchdog-state.json', deadLetter: './dead_letter.jsonl', audit: './audit.jsonl' } as const;

/** The sandbox's own config for the built-in story (and for a scenario file given without --config). */
export function sandboxConfig(endpoints: FakeEndpoints): Record<string, unknown> {
  return {
    // The refresh workflow the fake IIQ knows: used only once leaver.requestProcessing is turned on.
    iiq: { baseUrl: endpoints.iiq, api: 'rest', timeoutSeconds: 10, retryMinDelayMs: 100, refreshWorkflow: FAKE_REFRESH_WORKFLOW },
    leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', defaultTier: 'standard', timezone: 'UTC' },
    slaHours: { privileged: 4, standard: 8, contractor: 6 },
    excludedApplications: ['HR Archive'],
    pagerduty: { eventsUrl: endpoints.pagerduty, source: 'iiq.sandbox.local', retryMinDelayMs: 200 },
    state: { path: LOCAL_FILES.state },
    deadLetter: { path: LOCAL_FILES.deadLetter },
    audit: { path: LOCAL_FILES.audit },
    chain: { tasks: [{ name: 'Refresh Identity Cube', maxAgeHours: 26 }] },
  };
}

/** The same story read from the fake Identity Security Cloud: the `isc` section instead of `iiq`. */
export function sandboxIscConfig(endpoints: FakeEndpoints): Record<string, unknown> {
  // ISC has no IIQ task results: its config watches no chain task.
  const rest = omitKeys(sandboxConfig(endpoints), 'iiq', 'chain');
  return {
    isc: { baseUrl: endpoints.isc, lifecycleStates: ['inactive'], timeoutSeconds: 10, retryMinDelayMs: 100 },
    ...rest,
    state: { path: './watchdog-state-isc.json' },
    deadLetter: { path: './dead_letter-isc.jsonl' },
    audit: { path: './audit-isc.jsonl' },
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const section = (config: Json, key: string): Json => (isObject(config[key]) ? { ...config[key] } : {});

/**
 * A copy of a team's config pointed at the fakes: source and PagerDuty URLs replaced, CA files
 * dropped (the fakes speak plain HTTP on loopback), the heartbeat switched off (a smoke test
 * must not ping production monitoring), and every file path moved into `folder`; an exceptions
 * file is copied there. Everything else is kept as the team wrote it.
 */
export function pointConfigAtFakes(raw: unknown, endpoints: FakeEndpoints, configPath: string, folder: string): Json {
  if (!isObject(raw)) throw new ConfigError(`--config ${configPath}: the config must be a JSON object`);
  const config: Json = { ...raw };
  for (const source of ['iiq', 'isc'] as const) {
    if (!isObject(config[source])) continue;
    const url = endpoints[source];
    const rewritten = section(config, source);
    rewritten.baseUrl = url;
    delete rewritten.caFile;
    config[source] = rewritten;
  }
  config.pagerduty = { ...section(config, 'pagerduty'), eventsUrl: endpoints.pagerduty };
  for (const [key, path] of Object.entries(LOCAL_FILES)) config[key] = { ...section(config, key), path };
  if (isObject(config.metrics) && typeof config.metrics.path === 'string') {
    config.metrics = { ...config.metrics, path: `./${basename(config.metrics.path)}` };
  }
  if (isObject(config.health) && config.health.heartbeatUrl) config.health = { ...config.health, heartbeatUrl: null };
  if (isObject(config.exceptions) && typeof config.exceptions.path === 'string') {
    const from = resolve(resolve(configPath, '..'), config.exceptions.path);
    // A missing file is left for the watchdog to report (exit 2 naming the path), as it would in production.
    if (existsSync(from)) {
      copyFileSync(from, join(folder, 'exceptions.json'));
      config.exceptions = { ...config.exceptions, path: './exceptions.json' };
    } else {
      config.exceptions = { ...config.exceptions, path: from };
    }
  }
  return config;
}

/** Validates a config the sandbox wrote, as `run` will read it (exit 2 naming the key). */
export function validateSandboxConfig(config: Json, folder: string, label: string): void {
  try {
    parseConfig(config, SANDBOX_ENV, folder, { routingKey: true });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${label}: ${error.message}`);
    throw error;
  }
}

/** The `.env` the sandbox writes next to its config. */
export function sandboxEnvFile(): string {
  return [
    `# ${PRODUCT_NAME} sandbox: credentials of the loopback fakes, not secrets of any real system.`,
    '# Variables already exported in your shell win over this file.',
    ...Object.entries(SANDBOX_ENV).map(([name, value]) => `${name}=${value}`),
    '',
  ].join('\n');
}
