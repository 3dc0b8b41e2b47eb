/**
 * Running the built CLI in a folder for the demo, the bench and the end-to-end tests: where it
 * is, a config pointed at the fakes, and a child process with only the given environment.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` first), whether this module runs from dist/ or from source under vitest. */
export const CLI_PATH = fileURLToPath(
  new URL(import.meta.url.includes('/dist/dev/') ? '../src/cli.js' : '../dist/src/cli.js', import.meta.url),
);

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

/** Collects a child's output until it ends: what it printed and its exit code. */
export function outputOf(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the built CLI as a child process (no shell), with only the given environment. */
export function runCli(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return outputOf(
    spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...options.env } }),
  );
}
