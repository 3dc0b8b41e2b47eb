import { RollingWindowPacer } from '../http/rolling-window-pacer.js';

/** A 429 never slows the pace below this fraction of the configured rate. */
export const MAX_SLOWDOWN_FACTOR = 8;

/**
 * The pace of one routing key: one start per 60 s / `eventsPerMinute`, no bursts, so PagerDuty's
 * rolling 60 s window never fills. A 429 halves it (`slowDown`), down to 1/MAX_SLOWDOWN_FACTOR.
 */
export function createEventPacer(
  eventsPerMinute: number,
  clock: { nowMs?: (() => number) | undefined; sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined } = {},
): RollingWindowPacer {
  return new RollingWindowPacer({
    limit: 1,
    windowMs: 60_000 / eventsPerMinute,
    maxSlowDownFactor: MAX_SLOWDOWN_FACTOR,
    ...(clock.nowMs ? { nowMs: clock.nowMs } : {}),
    ...(clock.sleep ? { sleep: clock.sleep } : {}),
  });
}
