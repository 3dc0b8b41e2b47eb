/**
 * The package as a user gets it: `npm pack`, a global install of the tarball (offline: its
 * dependencies are bundled), and the CI recipe of docs/try-it.md run as written — its
 * shell steps are taken from the document itself, so the document cannot drift from what works.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShell, waitFor } from '../helpers/child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/try-it.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The fenced yaml block of the document whose first line names `file`. */
function yamlBlock(file: string): string[] {
  const block = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((text) => text.startsWith(`# ${file}`));
  if (!block) throw new Error(`docs/try-it.md has no yaml block for ${file}`);
  return block.split('\n');
}

/** The indented literal block (`key: |` or `- |`) that starts after line `index`, dedented. */
function literalBlock(lines: string[], index: number): string {
  const indent = (line: string): number => line.length - line.trimStart().length;
  const own = indent(lines[index]!);
  const body: string[] = [];
  for (const line of lines.slice(index + 1)) {
    if (line.trim() !== '' && indent(line) <= own) break;
    body.push(line);
  }
  const cut = Math.min(...body.filter((l) => l.trim()).map(indent));
  return `${body
    .map((l) => l.slice(cut))
    .join('\n')
    .trimEnd()}\n`;
}

function githubSteps(): { install: string; smoke: string } {
  const lines = yamlBlock('.github/workflows/');
  const at = (name: string): number => lines.findIndex((l) => l.trim() === `- name: ${name}`);
  const install = lines
    .slice(at('Install the watchdog'))
    .find((l) => l.trim().startsWith('run: '))!
    .trim()
    .slice('run: '.length);
  const smokeName = at('Smoke-test the config against the sandbox');
  const run = lines.findIndex((l, i) => i > smokeName && l.trim() === 'run: |');
  return { install, smoke: literalBlock(lines, run) };
}

function gitlabSteps(): { beforeScript: string[]; smoke: string } {
  const lines = yamlBlock('.gitlab-ci.yml');
  const before = lines.findIndex((l) => l.trim() === 'before_script:');
  const beforeScript: string[] = [];
  for (const line of lines.slice(before + 1)) {
    if (!line.trim().startsWith('- ')) break;
    beforeScript.push(line.trim().slice(2));
  }
  const script = lines.findIndex((l) => l.trim() === 'script:');
  return { beforeScript, smoke: literalBlock(lines, script + 1) };
}

let tarball: string;
let prefix: string;
let npmEnv: Record<string, string>;

beforeAll(() => {
  const work = makeTempDir('watchdog-pack-');
  npmEnv = { PATH: process.env.PATH ?? '', HOME: work, TMPDIR: work, npm_config_update_notifier: 'false' };
  // npm test built dist/ already; the prepack build is the same build.
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: ROOT,
    env: npmEnv,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)!;
  tarball = join(work, name);
  prefix = join(work, 'prefix');
}, 120_000);

describe('the tarball', () => {
  it('carries the license, the docs with the scheduler files and env example, the compiled fakes; no source maps, no dev tooling', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    expect(own).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'sample-config.json',
        'examples/scenario.example.json',
        'docs/try-it.md',
        'docs/schedulers/iiq-leaver-sla-watchdog.service',
        'docs/schedulers/iiq-leaver-sla-watchdog.timer',
        'docs/schedulers/iiq-leaver-sla-watchdog.xml',
        'docs/schedulers/register-task.ps1',
        'docs/schedulers/watchdog.env.example',
        'dist/src/cli.js',
        'dist/src/commands/sandbox.js',
        'dist/src/sandbox/fake-iiq.js',
        'dist/src/sandbox/fake-pagerduty.js',
        'dist/src/sandbox/scenario.js',
      ]),
    );
    expect(own.filter((f) => f.endsWith('.map') || f.endsWith('.ts') || /^(test|src|dev|demo|bench)\//.test(f))).toEqual([]);
    expect(own.filter((f) => f.startsWith('dist/') && !/^dist\/src\//.test(f))).toEqual([]);
    const bundled = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));
    for (const dependency of ['commander', 'pino', 'undici', 'zod']) expect(bundled).toContain(dependency);
    for (const devDependency of ['vitest', 'typescript', 'msw', 'fast-check', '@types']) expect(bundled).not.toContain(devDependency);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 iiq-leaver-sla-watchdog contributors\n/,
    );
  });
});

describe('the CI recipe of docs/try-it.md, from the installed tarball', () => {
  let repo: string;
  let shellEnv: Record<string, string>;

  beforeAll(async () => {
    const github = githubSteps();
    const gitlab = gitlabSteps();
    expect(gitlab.smoke).toBe(github.smoke); // one recipe, two CI systems
    expect(gitlab.beforeScript.at(-1)).toBe(github.install);
    // The install step as written; offline, so it must need nothing beyond the tarball.
    const install = await runShell(github.install, {
      cwd: ROOT,
      env: { ...npmEnv, WATCHDOG_PACKAGE: tarball, npm_config_prefix: prefix, npm_config_offline: 'true' },
    });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/warn|script/i); // no install-script warning, no deprecation noise
    shellEnv = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: npmEnv.HOME!, TMPDIR: makeTempDir('watchdog-ci-tmp-') };
  }, 120_000);

  /** A team repository: sample-config.json as its config, the example scenario as its smoke scenario. */
  function teamRepo(editScenario: (scenario: any) => void = () => undefined): string {
    const dir = makeTempDir('watchdog-team-repo-');
    mkdirSync(join(dir, 'watchdog'));
    copyFileSync(join(ROOT, 'sample-config.json'), join(dir, 'watchdog/config.json'));
    const scenario = JSON.parse(readFileSync(join(ROOT, 'examples/scenario.example.json'), 'utf8'));
    editScenario(scenario);
    writeFileSync(join(dir, 'watchdog/smoke-scenario.json'), JSON.stringify(scenario));
    return dir;
  }

  it('installs a working command', async () => {
    const version = await runShell('iiq-leaver-sla-watchdog --version', { cwd: npmEnv.HOME!, env: shellEnv });
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('passes on the example scenario with sample-config.json, and stops the sandbox cleanly', async () => {
    repo = teamRepo();
    const result = await runShell(githubSteps().smoke, { cwd: repo, env: shellEnv });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(readFileSync(join(repo, 'plan.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const started = JSON.parse(readFileSync(join(repo, 'sandbox.json'), 'utf8')) as { config: string };
    expect(existsSync(join(started.config, '..'))).toBe(false); // the sandbox removed its folder before exiting 0
    expect(readdirSync(shellEnv.TMPDIR!)).toEqual([]);
  }, 120_000);

  it('fails, naming the assertion and printing the plan, when the data does not page whom the team expects', async () => {
    repo = teamRepo((scenario) => {
      scenario.identities[1].accounts[0].status = 'disabled';
    }); // bob remediated
    const result = await runShell(githubSteps().smoke, { cwd: repo, env: shellEnv });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not as expected: map(.event.payload.custom_details.identity_name) | sort == ["alice", "bob"]');
    expect(result.stderr).toContain('"identity_name":"alice"');
    // The recipe's exit trap stopped the sandbox, which removes its folder.
    const folder = join((JSON.parse(readFileSync(join(repo, 'sandbox.json'), 'utf8')) as { config: string }).config, '..');
    await waitFor(() => !existsSync(folder), `the sandbox to remove ${folder}`);
  }, 120_000);

  it('fails at once when the sandbox cannot start (an invalid scenario), with its one-line reason', async () => {
    repo = teamRepo((scenario) => {
      scenario.identities[0].accounts[0].status = 'on';
    });
    const result = await runShell(githubSteps().smoke, { cwd: repo, env: shellEnv });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /identities\[0\]\.accounts\[0\]\.status: must be "enabled", "disabled" or "unknown"\n(.*\n)?the sandbox did not start/,
    );
  }, 120_000);
});
