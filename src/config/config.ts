import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { omitKeys } from '../omit-keys.js';
import { Secret } from '../secrets.js';
import { routingKeyProblem } from './routing-key.js';
import { configFileSchema, type ConfigFile } from './schema.js';
import { withSourceSection } from './source-section.js';
import { parseJsonText } from './json-text.js';
import { MAX_CONFIG_BYTES, readOperatorJsonText } from './config-text.js';
import { baseUrlProblem, describeIssues } from './config-issues.js';
import { proxyEnvironmentProblems, type ProxyEnv } from './proxy-env.js';

/** Environment variables the watchdog reads. */
export interface WatchdogEnv extends ProxyEnv {
  IIQ_USERNAME?: string;
  IIQ_PASSWORD?: string;
  IIQ_CLIENT_ID?: string;
  IIQ_CLIENT_SECRET?: string;
  ISC_CLIENT_ID?: string;
  ISC_CLIENT_SECRET?: string;
  PAGERDUTY_ROUTING_KEY?: string;
  IIQ_BASE_URL?: string;
  PAGERDUTY_EVENTS_URL?: string;
}

/** How the watchdog authenticates to IIQ. */
export type IiqCredentials =
  | { kind: 'basic'; username: string; password: Secret }
  | { kind: 'oauth'; clientId: string; clientSecret: Secret }
  /** Not read: the command never contacts IIQ (report). */
  | { kind: 'none' };

/** How the watchdog authenticates to ISC: a personal access token or API client. */
export type IscCredentials = { kind: 'isc'; clientId: string; clientSecret: Secret } | { kind: 'none' };

/** The `iiq` section, validated. */
export type IiqConfig = Omit<NonNullable<ConfigFile['iiq']>, 'baseUrl' | 'identityUrlTemplate'> & {
  baseUrl: string;
  identityUrlTemplate: string;
  credentials: IiqCredentials;
};

/** The `isc` section, validated. */
export type IscConfig = Omit<NonNullable<ConfigFile['isc']>, 'identityUrlTemplate' | 'caFile'> & {
  identityUrlTemplate: string;
  caFile: string | undefined;
  credentials: IscCredentials;
};

/** The configured source, told apart by `kind`: the one thing the rest of the program asks about the source section. */
export type SourceConfig = ({ kind: 'iiq' } & IiqConfig) | ({ kind: 'isc' } & IscConfig);

/**
 * The validated config: file values with defaults, env overrides applied, paths absolute, secrets
 * wrapped. The one source section (the file's `iiq` or `isc`) is `source`, told apart by `kind`.
 */
export type Config = Omit<ConfigFile, 'iiq' | 'isc' | 'pagerduty'> & {
  source: SourceConfig;
  pagerduty: Omit<ConfigFile['pagerduty'], 'source'> & {
    source: string;
    /** Absent only where the command does not send (dry run, check). */
    routingKey: Secret | undefined;
  };
};

/** What the command needs from the environment. */
export interface ConfigNeeds {
  routingKey: boolean;
  /** Source secrets, IIQ or ISC (default true); `report` reads only local files and needs none. */
  iiqCredentials?: boolean;
}

export { ROUTING_KEY_LENGTH } from './routing-key.js';

/**
 * Validates a parsed config file against the environment. Pure: throws ConfigError with one
 * line that names every bad key or variable.
 */
export function parseConfig(raw: unknown, env: WatchdogEnv, configDir: string, needs: ConfigNeeds): Config {
  checkOneSource(raw);
  const parsed = configFileSchema.transform(withSourceSection).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid config: ${describeIssues(parsed.error.issues)}`);
  // The file's iiq/isc section lives on as `source` alone: one representation, one place to read it.
  const { sourceSection } = parsed.data;
  const file = omitKeys(parsed.data, 'sourceSection', 'iiq', 'isc');

  const problems: string[] = [];
  const source =
    sourceSection.kind === 'isc'
      ? iscSection(sourceSection.section, env, needs, problems, configDir)
      : iiqSection(sourceSection.section, env, needs, problems, configDir);
  const baseUrl = source?.baseUrl;
  const eventsUrl = env.PAGERDUTY_EVENTS_URL ?? file.pagerduty.eventsUrl;
  if (env.PAGERDUTY_EVENTS_URL !== undefined) {
    const problem = baseUrlProblem(env.PAGERDUTY_EVENTS_URL);
    if (problem) problems.push(`PAGERDUTY_EVENTS_URL ${problem}`);
  }
  problems.push(...proxyEnvironmentProblems(env));
  if (!Object.hasOwn(file.slaHours, file.leaver.defaultTier)) {
    problems.push(`leaver.defaultTier "${file.leaver.defaultTier}" has no entry in slaHours`);
  }

  const credentials = source?.sections; // the source section (iiq or isc), its secrets included
  const routingKey = env.PAGERDUTY_ROUTING_KEY;
  if (routingKey === undefined || routingKey === '') {
    if (needs.routingKey) problems.push('PAGERDUTY_ROUTING_KEY is not set');
  } else {
    const problem = routingKeyProblem(routingKey);
    if (problem) problems.push(`PAGERDUTY_ROUTING_KEY ${problem}`);
  }
  if (problems.length > 0 || !baseUrl || !credentials) throw new ConfigError(`invalid config: ${problems.join('; ')}`);

  const inConfigDir = (path: string): string => resolve(configDir, path);
  return {
    // The source section (iiq or isc) with its secrets, once: told apart by its kind. First, where
    // the file has it, so whatever walks the config (the clear-text check) meets it first.
    source: credentials.isc ? { kind: 'isc', ...credentials.isc } : { kind: 'iiq', ...credentials.iiq },
    ...file,
    pagerduty: {
      ...file.pagerduty,
      eventsUrl,
      source: file.pagerduty.source ?? new URL(baseUrl).hostname,
      routingKey: routingKey ? new Secret(routingKey) : undefined,
    },
    state: { path: inConfigDir(file.state.path) },
    deadLetter: { path: inConfigDir(file.deadLetter.path) },
    audit: { path: inConfigDir(file.audit.path) },
    metrics: { path: file.metrics.path === null ? null : inConfigDir(file.metrics.path) },
    exceptions: { path: file.exceptions.path === null ? null : inConfigDir(file.exceptions.path) },
  };
}

/** The validated source section of a config, and the base URL the PagerDuty source defaults to. */
interface SourceSection {
  sections: { iiq: IiqConfig; isc: undefined } | { iiq: undefined; isc: IscConfig };
  baseUrl: string;
}

/** The `iiq` section: IIQ_BASE_URL overrides, Basic or OAuth secrets from the environment. */
function iiqSection(
  iiq: ConfigFile['iiq'],
  env: WatchdogEnv,
  needs: ConfigNeeds,
  problems: string[],
  configDir: string,
): SourceSection | undefined {
  if (!iiq) return undefined; // checkOneSource already said so
  const baseUrl = (env.IIQ_BASE_URL ?? iiq.baseUrl)?.replace(/\/+$/, '');
  if (!baseUrl) problems.push('iiq.baseUrl is required (or set IIQ_BASE_URL)');
  else if (env.IIQ_BASE_URL !== undefined) {
    const problem = baseUrlProblem(env.IIQ_BASE_URL);
    if (problem) problems.push(`IIQ_BASE_URL ${problem}`);
  }
  const credentials = needs.iiqCredentials === false ? { kind: 'none' as const } : readCredentials(iiq.auth, env, problems);
  if (!baseUrl || !credentials) return undefined;
  return {
    baseUrl,
    sections: {
      iiq: {
        ...iiq,
        baseUrl,
        caFile: iiq.caFile === undefined ? undefined : resolve(configDir, iiq.caFile),
        identityUrlTemplate: iiq.identityUrlTemplate ?? '{baseUrl}/identities/identities.jsf#/identities/{id}',
        credentials,
      },
      isc: undefined,
    },
  };
}

/** The `isc` section: ISC_CLIENT_ID / ISC_CLIENT_SECRET from the environment. */
function iscSection(
  isc: NonNullable<ConfigFile['isc']>,
  env: WatchdogEnv,
  needs: ConfigNeeds,
  problems: string[],
  configDir: string,
): SourceSection | undefined {
  const baseUrl = isc.baseUrl.replace(/\/+$/, '');
  let credentials: IscCredentials = { kind: 'none' };
  if (needs.iiqCredentials !== false) {
    const missing = (['ISC_CLIENT_ID', 'ISC_CLIENT_SECRET'] as const).filter((name) => !env[name]);
    if (missing.length > 0) {
      problems.push(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (the config has an "isc" section)`);
      return undefined;
    }
    credentials = { kind: 'isc', clientId: env.ISC_CLIENT_ID as string, clientSecret: new Secret(env.ISC_CLIENT_SECRET as string) };
  }
  return {
    baseUrl,
    sections: {
      iiq: undefined,
      isc: {
        ...isc,
        baseUrl,
        caFile: isc.caFile === undefined ? undefined : resolve(configDir, isc.caFile),
        identityUrlTemplate: isc.identityUrlTemplate ?? defaultIscIdentityUrlTemplate(baseUrl),
        credentials,
      },
    },
  };
}

/**
 * The admin UI page of an identity for an API base URL: `https://acme.api.identitynow.com` →
 * `https://acme.identitynow.com/ui/a/admin/identities/{id}/details/attributes`.
 */
export function defaultIscIdentityUrlTemplate(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.hostname = url.hostname.replace(/\.api\./, '.');
  return `${url.origin}/ui/a/admin/identities/{id}/details/attributes`;
}

/** A config names exactly one source: both or neither is exit 2 naming the keys. */
function checkOneSource(raw: unknown): void {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return; // the schema says what is wrong
  const has = (key: string): boolean => (raw as Record<string, unknown>)[key] !== undefined;
  if (has('iiq') && has('isc')) {
    throw new ConfigError(
      'invalid config: both "iiq" and "isc" are set; a config has exactly one source (IdentityIQ or Identity Security Cloud): remove one',
    );
  }
  if (!has('iiq') && !has('isc'))
    throw new ConfigError('invalid config: one of "iiq" (IdentityIQ) or "isc" (Identity Security Cloud) is required');
  if (has('isc') && has('chain'))
    throw new ConfigError(
      'invalid config: chain: task health is read from IdentityIQ TaskResults; Identity Security Cloud has none: remove "chain"',
    );
}

/** Reads and validates the config file; relative paths in it are taken from the file's folder. */
export function loadConfig(path: string, env: WatchdogEnv, needs: ConfigNeeds): Config {
  let text: string;
  try {
    text = readOperatorJsonText(path, `config file ${path}`, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        `config file ${path} not found (looked at ${resolve(path)}): pass --config FILE, or start from sample-config.json (${sampleConfigPath() ?? 'shipped with the package'})`,
      );
    }
    throw new ConfigError(`cannot read config file ${path}: ${code ?? String(error)}`);
  }
  return parseConfig(parseJsonText(text, path), env, dirname(resolve(path)), needs);
}

/** Where the package's sample-config.json is (run from dist/ or, in tests, from src/); undefined if missing. */
function sampleConfigPath(): string | undefined {
  for (const relative of ['../../../sample-config.json', '../../sample-config.json']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function readCredentials(auth: 'basic' | 'oauth', env: WatchdogEnv, problems: string[]): IiqCredentials | undefined {
  const [idName, secretName] =
    auth === 'basic' ? (['IIQ_USERNAME', 'IIQ_PASSWORD'] as const) : (['IIQ_CLIENT_ID', 'IIQ_CLIENT_SECRET'] as const);
  const id = env[idName];
  const secret = env[secretName];
  const missing = [id ? undefined : idName, secret ? undefined : secretName].filter(Boolean);
  if (missing.length > 0 || !id || !secret) {
    problems.push(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set (iiq.auth is "${auth}")`);
    return undefined;
  }
  return auth === 'basic'
    ? { kind: 'basic', username: id, password: new Secret(secret) }
    : { kind: 'oauth', clientId: id, clientSecret: new Secret(secret) };
}
