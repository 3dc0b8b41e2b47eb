import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { Secret } from '../secrets.js';
import { routingKeyProblem } from './routing-key.js';
import { configFileSchema, httpUrl, type ConfigFile } from './schema.js';

/** Environment variables the watchdog reads (spec 3, 4.2.1). */
export interface WatchdogEnv {
  IIQ_USERNAME?: string;
  IIQ_PASSWORD?: string;
  IIQ_CLIENT_ID?: string;
  IIQ_CLIENT_SECRET?: string;
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

/** The validated config: file values with defaults, env overrides applied, paths absolute, secrets wrapped. */
export type Config = Omit<ConfigFile, 'iiq' | 'pagerduty'> & {
  iiq: Omit<ConfigFile['iiq'], 'baseUrl' | 'identityUrlTemplate'> & {
    baseUrl: string;
    identityUrlTemplate: string;
    credentials: IiqCredentials;
  };
  pagerduty: Omit<ConfigFile['pagerduty'], 'source'> & {
    source: string;
    /** Absent only where the command does not send (dry run, check). */
    routingKey: Secret | undefined;
  };
};

/** What the command needs from the environment. */
export interface ConfigNeeds {
  routingKey: boolean;
  /** IIQ secrets (default true); `report` reads only local files and needs none. */
  iiqCredentials?: boolean;
}

export { ROUTING_KEY_LENGTH } from './routing-key.js';

/**
 * Validates a parsed config file against the environment. Pure: throws ConfigError with one
 * line that names every bad key or variable.
 */
export function parseConfig(raw: unknown, env: WatchdogEnv, configDir: string, needs: ConfigNeeds): Config {
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid config: ${describeIssues(parsed.error.issues)}`);
  const file = parsed.data;

  const problems: string[] = [];
  const baseUrl = (env.IIQ_BASE_URL ?? file.iiq.baseUrl)?.replace(/\/+$/, '');
  if (!baseUrl) problems.push('iiq.baseUrl is required (or set IIQ_BASE_URL)');
  else if (env.IIQ_BASE_URL !== undefined && !isHttpUrl(env.IIQ_BASE_URL)) {
    problems.push('IIQ_BASE_URL must be an http(s) URL without credentials in it');
  }
  const eventsUrl = env.PAGERDUTY_EVENTS_URL ?? file.pagerduty.eventsUrl;
  if (!isHttpUrl(eventsUrl)) problems.push('PAGERDUTY_EVENTS_URL must be an http(s) URL without credentials in it');
  if (!(file.leaver.defaultTier in file.slaHours)) {
    problems.push(`leaver.defaultTier "${file.leaver.defaultTier}" has no entry in slaHours`);
  }

  const credentials = needs.iiqCredentials === false ? { kind: 'none' as const } : readCredentials(file.iiq.auth, env, problems);
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
    ...file,
    iiq: {
      ...file.iiq,
      baseUrl,
      caFile: file.iiq.caFile === undefined ? undefined : inConfigDir(file.iiq.caFile),
      identityUrlTemplate: file.iiq.identityUrlTemplate ?? '{baseUrl}/identities/identities.jsf#/identities/{id}',
      credentials,
    },
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
  };
}

/** Reads and validates the config file; relative paths in it are taken from the file's folder. */
export function loadConfig(path: string, env: WatchdogEnv, needs: ConfigNeeds): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`config file ${path} not found (looked at ${resolve(path)}): pass --config FILE, or start from sample-config.json (${sampleConfigPath() ?? 'shipped with the package'})`);
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

/** JSON.parse with an error that gives line and column. */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const at = position === undefined ? lineColumn(text, text.length) : lineColumn(text, Number(position));
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ConfigError(`${name} is not valid JSON at line ${at.line} column ${at.column}: ${reason}`);
  }
}

/** True when the routing key has the shape PagerDuty issues. */
export function isWellFormedRoutingKey(value: string): boolean {
  return routingKeyProblem(value) === undefined;
}

function readCredentials(auth: 'basic' | 'oauth', env: WatchdogEnv, problems: string[]): IiqCredentials | undefined {
  const [idName, secretName] = auth === 'basic' ? ['IIQ_USERNAME', 'IIQ_PASSWORD'] as const : ['IIQ_CLIENT_ID', 'IIQ_CLIENT_SECRET'] as const;
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

function isHttpUrl(value: string): boolean {
  return httpUrl.safeParse(value).success;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `unknown key "${path ? `${path}.` : ''}${key}"`).join('; ');
      }
      const message = issue.message.replace(/^Invalid input: /, '');
      return `${path || '(top level)'}: ${message}`;
    })
    .join('; ');
}

function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
