/**
 * A small, readable Leaver scenario on the fakes, shared by `npm run demo` and the end-to-end
 * tests: who is terminated when, which accounts are still enabled, and how to run the built CLI.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeIdentity, FakeLink } from './fake-iiq.js';

const HOUR_MS = 3_600_000;

/** Demo credentials: test values, not secrets of any real system. */
export const DEMO_ENV = {
  IIQ_USERNAME: 'watchdog',
  IIQ_PASSWORD: 'demo-password',
  PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEYDEM0000000000000000000',
} as const;

/** Dedup keys of the two demo leavers who breach: Jane Doe (privileged) and John Smith (standard). */
export const JANE_DEDUP_KEY = 'iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const JOHN_DEDUP_KEY = 'iiq-leaver-sla-1b2c3d4e5f60718293a4b5c6d7e8f90a';
/** Dedup key of the story's not-started leaver: Nora Pending, terminated but still active in the source. */
export const NORA_DEDUP_KEY = 'iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e';

/** The built CLI (`npm run build` first), whether this module runs from dist/ or from source under vitest. */
export const CLI_PATH = fileURLToPath(
  new URL(import.meta.url.includes('/dist/dev/') ? '../src/cli.js' : '../dist/src/cli.js', import.meta.url),
);

function link(application: string, owner: string, disabled: boolean): FakeLink {
  return {
    id: `${owner}-${application}`.replace(/\W+/g, '-').toLowerCase(),
    application,
    nativeIdentity: `CN=${owner},OU=Staff,DC=corp,DC=example`,
    displayName: owner,
    disabled,
  };
}

function identity(
  id: string,
  name: string,
  displayName: string,
  attributes: Record<string, unknown>,
  links: FakeLink[],
  inactive = true,
): FakeIdentity {
  return { id, name, displayName, inactive, attributes, links };
}

/**
 * Five leavers at `now`: Jane (privileged, 5 h: warning), John (standard, 20 h: error),
 * Chris (contractor, 2 h: not yet due), Olga (30 days, all disabled), Hank (only an excluded
 * application left enabled).
 */
export function demoIdentities(now: Date): FakeIdentity[] {
  const ago = (hours: number): string => new Date(now.getTime() - hours * HOUR_MS).toISOString();
  return [
    identity('0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'jdoe', 'Jane Doe', { hrTerminationDate: ago(5.2), risk_tier: 'privileged' }, [
      link('Active Directory', 'Jane Doe', false),
      link('Salesforce', 'Jane Doe', false),
      link('GitHub', 'Jane Doe', true),
    ]),
    identity('1b2c3d4e5f60718293a4b5c6d7e8f90a', 'jsmith', 'John Smith', { hrTerminationDate: ago(20), risk_tier: 'standard' }, [
      link('Active Directory', 'John Smith', false),
      link('SAP ERP', 'John Smith', true),
    ]),
    identity(
      '2c3d4e5f60718293a4b5c6d7e8f90a1b',
      'ccontractor',
      'Chris Contractor',
      { hrTerminationDate: ago(2), risk_tier: 'contractor' },
      [link('Active Directory', 'Chris Contractor', false)],
    ),
    identity('3d4e5f60718293a4b5c6d7e8f90a1b2c', 'oold', 'Olga Old', { hrTerminationDate: ago(24 * 30), risk_tier: 'standard' }, [
      link('Active Directory', 'Olga Old', true),
      link('Workday', 'Olga Old', true),
    ]),
    identity('4e5f60718293a4b5c6d7e8f90a1b2c3d', 'harchive', 'Hank Archive', { hrTerminationDate: ago(48), risk_tier: 'standard' }, [
      link('HR Archive', 'Hank Archive', false),
    ]),
  ];
}

/**
 * The story's not-started leaver at `now`: Nora (standard, terminated 10 h ago: warning) whom
 * the source still shows active, with one enabled account. The identity refresh never saw her
 * termination, so no Leaver ran; the watchdog lists her all the same. Kept apart from
 * demoIdentities, whose five leavers many tests count on.
 */
export function demoNotStartedLeaver(now: Date): FakeIdentity {
  const terminated = new Date(now.getTime() - 10 * HOUR_MS).toISOString();
  return identity(
    '5f60718293a4b5c6d7e8f90a1b2c3d4e',
    'npending',
    'Nora Pending',
    { hrTerminationDate: terminated, risk_tier: 'standard' },
    [link('Active Directory', 'Nora Pending', false)],
    false,
  );
}

/** The built-in story of the demo and the sandbox: the five leavers of demoIdentities and the not-started one. */
export function demoStory(now: Date): FakeIdentity[] {
  return [...demoIdentities(now), demoNotStartedLeaver(now)];
}

/** Disables every account of the named identity (the Leaver finally ran). */
export function remediate(identities: FakeIdentity[], name: string): void {
  for (const account of identities.find((i) => i.name === name)?.links ?? []) account.disabled = true;
}

/** Writes a config for the fakes into `dir` and returns its path. */
export function writeDemoConfig(dir: string, urls: { iiq: string; pagerDuty: string }, overrides: Record<string, unknown> = {}): string {
  const config = {
    iiq: { baseUrl: urls.iiq, api: 'rest', pageSize: 2, concurrency: 4, timeoutSeconds: 5, retryMinDelayMs: 10 },
    leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', defaultTier: 'standard', timezone: 'UTC' },
    slaHours: { privileged: 4, standard: 8, contractor: 6 },
    excludedApplications: ['HR Archive'],
    pagerduty: {
      eventsUrl: urls.pagerDuty,
      source: 'iiq.demo.local',
      retries: 3,
      retryMinDelayMs: 10,
      maxEventsPerMinute: 600,
      renotifyMinutes: 240,
    },
    state: { path: './watchdog-state.json' },
    deadLetter: { path: './dead_letter.jsonl' },
    audit: { path: './audit.jsonl' },
    ...overrides,
  };
  const path = join(dir, 'config.json');
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** What a CLI run printed and how it ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process (no shell), with only the given environment. */
export function runCli(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
