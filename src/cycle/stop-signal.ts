import { ExitCode } from '../errors.js';

/** The signals that stop a run gracefully: the scheduler's time limit, Ctrl-C. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignalName = (typeof STOP_SIGNALS)[number];

/**
 * Turns SIGTERM / SIGINT into an abort of the returned signal (reason: the signal's name) while
 * `graceful()` says the command stops gracefully; otherwise, and on a second signal, calls
 * `stopNow` (exit at once: what PagerDuty accepted is already in the journal). Returns the
 * signal and a function that removes the handlers.
 */
export function listenForStop(options: {
  graceful: () => boolean;
  /** True while the command handles the signals on its own (the sandbox): nothing is done here. */
  ownHandling?: () => boolean;
  stopNow: (name: StopSignalName) => void;
}): {
  signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = (): void => {
      if (options.ownHandling?.()) return;
      if (controller.signal.aborted || !options.graceful()) options.stopNow(name);
      else controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => handlers.forEach(([name, handler]) => process.off(name, handler)),
  };
}

/** The exit code of a signal's name (130 / 143). */
export function exitCodeForSignalName(name: StopSignalName): ExitCode {
  return name === 'SIGINT' ? ExitCode.interruptedInt : ExitCode.interruptedTerm;
}
