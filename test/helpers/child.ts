/**
 * A long-running child process under test (the sandbox): its output so far, a wait for
 * something to appear in it, and its exit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { outputOf, type CliResult } from '../../dev/run-cli.js';

/** A started child: `output()` so far, `until(pattern)` on stdout, `exited`. */
export interface RunningChild {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it matches; rejects if the child exits first. */
  until(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command args` (no shell) with exactly `env`. */
export function startChild(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string> }): RunningChild {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (!waiter.pattern.test(out)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(out);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`exited (${code ?? signal}) before stdout matched ${waiter.pattern}\nstdout: ${out}\nstderr: ${err}`));
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    until: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(out)) resolve(out);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`already exited; stdout: ${out}\nstderr: ${err}`));
        else waiters.push({ pattern, resolve, reject });
      }),
    exited,
  };
}

/** Runs a command line through /bin/sh and collects its output. */
export function runShell(line: string, options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return outputOf(spawn('/bin/sh', ['-c', line], { cwd: options.cwd, env: options.env }));
}

/** Resolves once `condition()` holds, checking every 50 ms; rejects after `timeoutMs` (for effects of a process the test cannot wait on). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
