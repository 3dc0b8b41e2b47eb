#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import type { CommandContext } from './commands/context.js';
import type { WatchdogEnv } from './config/config.js';
import { describeFailure, exitCodeOf, redactorForEnv, runCommandLine } from './commands/entry.js';
import { applyMemoryPosture } from './memory-posture.js';
import { exitCodeForSignalName, listenForStop } from './cycle/stop-signal.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Parses the command line, runs the command, and returns the exit code of the contract. */
async function main(argv: readonly string[]): Promise<number> {
  dotenv.config({ quiet: true });
  const env = process.env as WatchdogEnv;
  const redactor = redactorForEnv(env);

  let graceful = false;
  let ownHandling = false;
  // run and replay stop gracefully; other commands, and a second signal, stop at once.
  const stop = listenForStop({
    graceful: () => graceful,
    ownHandling: () => ownHandling,
    stopNow: (name) => {
      process.stderr.write(`error: ${name}: stopping at once\n`);
      exitAfterFlush(exitCodeForSignalName(name));
    },
  });
  const context: Omit<CommandContext, 'setExitCode'> = {
    stop: stop.signal,
    stopGracefully: () => void (graceful = true),
    handleSignalsItself: () => void (ownHandling = true),
    env,
    redactor,
    writeStdout: (text) => void process.stdout.write(redactor.apply(text)),
    writeStderr: (text) => void process.stderr.write(redactor.apply(text)),
  };
  return runCommandLine(argv, context, VERSION);
}

// The only place that exits, and only once stdout and stderr have drained: on Linux a pipe is
// written asynchronously, so exiting at once would cut `run --dry-run | jq` short.
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

applyMemoryPosture();
main(process.argv).then(exitAfterFlush, (error: unknown) => {
  process.stderr.write(`error: ${describeFailure(error)}\n`);
  exitAfterFlush(exitCodeOf(error));
});
