/**
 * Runs a CLI command line in the test's own process: the same command parsing, config loading,
 * source, sender and cycle as the built CLI (src/commands/entry.ts is what the CLI runs), minus
 * the ~0.7 CPU-s of starting a node process. For tests of what a run does (events sent, requests
 * made, state and audit written, the summary and exit code it reports); the contract of the
 * process itself (signals, the lock, stdout flushing, the environment read) stays with runCli.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { CliResult } from '../../dev/run-cli.js';
import type { WatchdogEnv } from '../../src/config/config.js';
import { redactorForEnv, runCommandLine } from '../../src/commands/entry.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * runCli's twin in this process: same arguments, same result. Logs are JSON lines (as the CLI
 * writes them when stderr is not a terminal); config paths must be absolute, since the working
 * folder of the test process is not the run's `cwd`.
 */
export async function runCliInProcess(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  const configAt = args.indexOf('--config');
  if (configAt >= 0 && !isAbsolute(args[configAt + 1] ?? ''))
    throw new Error(`runCliInProcess needs an absolute --config (${args[configAt + 1]})`);
  const env = { ...options.env } as WatchdogEnv;
  const redactor = redactorForEnv(env);
  let stdout = '';
  let stderr = '';
  const code = await runCommandLine(
    ['node', 'cli.js', ...args, ...(args.includes('--log-format') ? [] : ['--log-format', 'json'])],
    {
      stop: new AbortController().signal,
      stopGracefully: () => undefined,
      handleSignalsItself: () => undefined,
      env,
      redactor,
      writeStdout: (text) => void (stdout += redactor.apply(text)),
      writeStderr: (text) => void (stderr += redactor.apply(text)),
    },
    VERSION,
  );
  return { code, stdout, stderr };
}
