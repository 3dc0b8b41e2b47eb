import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonText } from '../config/json-text.js';
import { ConfigError, ExitCode } from '../errors.js';
import { builtInStory, startSandboxFakes, toFakeIdentities, type SandboxFakes } from '../sandbox/fakes.js';
import {
  OVERRIDING_VARIABLES,
  pointConfigAtFakes,
  sandboxConfig,
  sandboxIscConfig,
  sandboxEnvFile,
  validateSandboxConfig,
} from '../sandbox/sandbox-config.js';
import { loadScenarioWithTasks, type ScenarioIdentity } from '../sandbox/scenario-file.js';
import { STORY_POLICY } from '../sandbox/scenario.js';
import { cliInvocation, tryCommands } from '../sandbox/try-commands.js';
import type { CommandContext } from './context.js';

export interface SandboxOptions {
  scenario?: string;
  config?: string;
  ci?: boolean;
  keep?: boolean;
}

/** `sandbox`: loopback fakes, a ready config and env file, and the commands to try; serves until a signal. */
export async function sandboxCommand(options: SandboxOptions, context: CommandContext): Promise<void> {
  context.setExitCode(await runSandbox(options, context));
}

async function runSandbox(options: SandboxOptions, context: CommandContext): Promise<number> {
  // Everything that can be wrong with the input is found before anything starts (exit 2).
  const scenarioFile = options.scenario === undefined ? undefined : loadScenarioWithTasks(options.scenario);
  const scenario = scenarioFile?.identities;
  const teamConfig = options.config === undefined ? undefined : readTeamConfig(options.config);
  context.handleSignalsItself();
  const stop = stopSignal();
  const folder = mkdtempSync(join(tmpdir(), 'iiq-watchdog-sandbox-'));
  const say = options.ci ? context.writeStderr : context.writeStdout;
  let fakes: SandboxFakes | undefined;
  let served = false; // on bad input, the one error line stays the only line
  try {
    const story = scenario ? undefined : await builtInStory(new Date(), STORY_POLICY, { applicationSlaHours: {}, exceptions: [] });
    fakes = await startSandboxFakes(
      scenario ? toFakeIdentities(scenario) : (story?.identities ?? []),
      scenarioFile ? scenarioFile.taskResults : (story?.taskResults ?? []),
    );
    const config = teamConfig ? pointConfigAtFakes(teamConfig.raw, fakes, teamConfig.path, folder) : sandboxConfig(fakes);
    validateSandboxConfig(config, folder, teamConfig ? `--config ${teamConfig.path}` : 'sandbox config');
    const configPath = join(folder, 'config.json');
    const envPath = join(folder, '.env');
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    // The built-in story once more, read from the fake ISC: `--config <folder>/config-isc.json`.
    if (!teamConfig) writeFileSync(join(folder, 'config-isc.json'), `${JSON.stringify(sandboxIscConfig(fakes), null, 2)}\n`);
    writeFileSync(envPath, sandboxEnvFile(), { mode: 0o600 });
    chmodSync(envPath, 0o600);
    if (options.ci) {
      context.writeStdout(
        `${JSON.stringify({ config: configPath, env: envPath, iiq: fakes.iiq, isc: fakes.isc, pagerduty: fakes.pagerduty })}\n`,
      );
      context.writeStderr(`sandbox: serving on loopback (incidents page ${fakes.pagerdutyPage}); SIGTERM or SIGINT stops it\n`);
    } else {
      context.writeStdout(
        introduction({ fakes, folder, configPath, options, scenario, story: story?.explanations, teamConfig: teamConfig?.path }),
      );
    }
    served = true;
    const signal = await stop.promise;
    say(`\nsandbox: ${signal} received, stopping the fakes\n`);
  } finally {
    stop.dispose();
    await fakes?.close();
    if (options.keep) {
      say(`sandbox: folder kept: ${folder}\n`);
    } else {
      rmSync(folder, { recursive: true, force: true });
      if (served) say(`sandbox: folder removed: ${folder}\n`);
    }
  }
  return ExitCode.ok;
}

function readTeamConfig(path: string): { path: string; raw: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
  return { path: resolve(path), raw: parseJsonText(text, path) };
}

/** Resolves with the first SIGINT / SIGTERM / SIGHUP; until disposed, those signals no longer kill the process. */
function stopSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((resolvePromise) => (onSignal = resolvePromise));
  for (const signal of signals) process.on(signal, onSignal);
  return { promise, dispose: () => signals.forEach((signal) => process.off(signal, onSignal)) };
}

function introduction(input: {
  fakes: SandboxFakes;
  folder: string;
  configPath: string;
  options: SandboxOptions;
  scenario: ScenarioIdentity[] | undefined;
  story: { name: string; displayName: string; paged: boolean; reason: string }[] | undefined;
  teamConfig: string | undefined;
}): string {
  const { fakes, folder } = input;
  const cli = cliInvocation(fileURLToPath(new URL('../cli.js', import.meta.url)), process.execPath, process.env.PATH);
  const lines = [
    'Sandbox running: fakes on 127.0.0.1 and a ready config. Ctrl-C stops everything.',
    '',
    `  fake IdentityIQ  ${fakes.iiq}  (REST and SCIM: "api": "rest" or "scim" in the config)`,
    `  fake ISC         ${fakes.isc}${input.teamConfig ? '' : `  (the same story: --config '${join(folder, 'config-isc.json')}')`}`,
    `  fake PagerDuty   ${fakes.pagerduty}`,
    `  incidents page   ${fakes.pagerdutyPage}  (open it in a browser)`,
    `  folder           ${folder}  (config.json, .env; ${input.options.keep ? 'kept' : 'removed'} when the sandbox stops)`,
    `  config           ${input.teamConfig ? `a copy of ${input.teamConfig}, pointed at the fakes` : "the sandbox's own"}`,
    '',
  ];
  if (input.scenario) {
    const inactive = input.scenario.filter((identity) => identity.inactive).length;
    lines.push(`Scenario ${resolve(input.options.scenario ?? '')}: ${input.scenario.length} identities, ${inactive} of them inactive.`, '');
  } else if (input.story) {
    lines.push(
      `Built-in story: ${input.story.length} leavers, terminated relative to now${input.teamConfig ? ' (attributes hrTerminationDate and risk_tier; use --scenario to serve your own data)' : ''}:`,
    );
    if (!input.teamConfig)
      for (const leaver of input.story)
        lines.push(`  ${leaver.displayName} (${leaver.name}): ${leaver.paged ? 'paged' : 'not paged'} — ${leaver.reason}`);
    if (!input.teamConfig)
      lines.push(
        '  Chain task "Refresh Identity Cube": paged — its last run ended Error 3 h ago (leavers after it may not have started); step 4 re-runs it',
      );
    lines.push('');
  }
  const overriding = OVERRIDING_VARIABLES.filter((name) => process.env[name] !== undefined);
  if (overriding.length > 0) {
    lines.push(
      `Note: ${overriding.join(', ')} ${overriding.length > 1 ? 'are' : 'is'} set in this environment and would beat the sandbox's .env: run \`unset ${overriding.join(' ')}\` where you paste the commands.`,
      '',
    );
  }
  lines.push('Try these in another terminal; each works pasted as printed (jq and curl needed for steps 2 and 4):', '');
  tryCommands({ folder, configPath: input.configPath, cli, remediateUrl: fakes.remediateUrl, pageUrl: fakes.pagerdutyPage }).forEach(
    (step, index) => lines.push(`  # ${index + 1}. ${step.why}`, `  ${step.command}`, ''),
  );
  return `${lines.join('\n')}\n`;
}
