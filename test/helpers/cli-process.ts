/** The built CLI as a running child process, for tests that act on it mid-cycle (signals, kill -9). */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_PATH } from '../../dev/run-cli.js';

/** How a child ended. */
export interface CliEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI run in progress. */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves with the first JSON log line on stderr that matches (synchronise on what the CLI says, not on time). */
  waitForLog(match: (line: Record<string, any>) => boolean): Promise<Record<string, any>>;
  ended: Promise<CliEnd>;
}

/** Starts the built CLI (no shell) with only the given environment. */
export function startCli(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; uid?: number; gid?: number },
): RunningCli {
  const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid };
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    ...ids,
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const waiters: { match: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }[] = [];
  const seen: Record<string, any>[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      let line: Record<string, any>;
      try {
        line = JSON.parse(text) as Record<string, any>;
      } catch {
        continue;
      }
      seen.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const ended = new Promise<CliEnd>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    ended,
    waitForLog: (match) =>
      new Promise((resolve, reject) => {
        const earlier = seen.find(match);
        if (earlier) resolve(earlier);
        else waiters.push({ match, resolve });
        void ended.then(() => reject(new Error(`the CLI ended before logging what the test waited for; stderr:\n${stderr}`)));
      }),
  };
}

/** A promise with its resolve function, to hold a fake's answer until the test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
