/**
 * pino-pretty is loaded only when logs are pretty: a cron run logging JSON must not pay for it.
 * The built CLI runs with a preloaded module that, on exit, lists every CommonJS module loaded
 * (pino-pretty is CommonJS, whether required or imported); the pretty run is the control that
 * shows the check can fail.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { CLI_PATH, writeDemoConfig } from '../../dev/run-cli.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { NOW } from '../helpers/clock.js';

const RECORDER = `import Module from 'node:module';
import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(Module._cache))));
`;

let dir: string;
let iiq: FakeIiq;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watchdog-lazy-pretty-'));
  iiq = await startFakeIiq({ identities: demoIdentities(NOW) });
  writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
  writeFileSync(join(dir, 'record-modules.mjs'), RECORDER);
});
afterAll(async () => {
  await iiq.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a dry run with `--log-format <format>`; the exit code and the CommonJS modules it loaded. */
function dryRun(format: 'json' | 'pretty'): Promise<{ code: number | null; loaded: string[] }> {
  const loadedFile = join(dir, `loaded-${format}.json`);
  const args = ['--import', pathToFileURL(join(dir, 'record-modules.mjs')).href, CLI_PATH, 'run', '--dry-run'];
  args.push('--config', 'config.json', '--now', NOW.toISOString(), '--log-format', format);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...DEMO_ENV, LOADED_MODULES_FILE: loadedFile },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, loaded: JSON.parse(readFileSync(loadedFile, 'utf8')) as string[] }));
  });
}

const prettyModules = (loaded: string[]): string[] => loaded.filter((path) => /[/\\]node_modules[/\\]pino-pretty[/\\]/.test(path));

describe('pino-pretty is loaded only for pretty logs', () => {
  it('a run logging JSON lines does not load it', async () => {
    const run = await dryRun('json');
    expect(run.code).toBe(0);
    // The recorder saw pino itself: an empty list would prove nothing.
    expect(run.loaded.some((path) => /[/\\]node_modules[/\\]pino[/\\]/.test(path))).toBe(true);
    expect(prettyModules(run.loaded)).toEqual([]);
  });

  it('a run with --log-format pretty does (the control: the check above can fail)', async () => {
    const run = await dryRun('pretty');
    expect(run.code).toBe(0);
    expect(prettyModules(run.loaded).length).toBeGreaterThan(0);
  });
});
