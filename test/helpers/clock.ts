/** The fixed instants the tests run at: one "now" for every scenario, and minutes from it. */

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;

/** The instant the scenarios call "now" (a Tuesday, noon UTC). */
export const NOW = new Date('2026-11-24T12:00:00.000Z');

/** `NOW` in epoch milliseconds, for the pure core's `nowMs`. */
export const NOW_MS = NOW.getTime();

/** The ISO instant `minutes` after `from` (default `NOW`): what `--now` is given for a later cycle. */
export function at(minutes: number, from: Date = NOW): string {
  return new Date(from.getTime() + minutes * 60_000).toISOString();
}

/**
 * A clock that moves only when the code under test waits on it: `sleep` advances `nowMs` and
 * resolves at once, so paced and retried sends take no real time.
 */
export function virtualClock(startMs = 1_000_000): { nowMs: () => number; sleep: (ms: number) => Promise<void> } {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    sleep: (ms: number): Promise<void> => {
      nowMs += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}
