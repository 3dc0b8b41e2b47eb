import { sleep } from '../http/retry-policy.js';

/** A 429 never slows the pace below this fraction of the configured rate. */
export const MAX_SLOWDOWN_FACTOR = 8;

/**
 * Spaces sends evenly to a per-minute budget (no bursts), so PagerDuty's rolling 60 s window
 * never fills. `pause` holds every caller back (Retry-After); `slowDown` halves the pace
 * after a 429, for the rest of the sender's life.
 */
export class Pacer {
  readonly #baseIntervalMs: number;
  #intervalMs: number;
  #nextSlotMs = 0;
  #pausedUntilMs = 0;
  #lastSlowDownMs = Number.NEGATIVE_INFINITY;
  readonly #clock: () => number;

  constructor(eventsPerMinute: number, clock: () => number = Date.now) {
    this.#clock = clock;
    this.#baseIntervalMs = 60_000 / eventsPerMinute;
    this.#intervalMs = this.#baseIntervalMs;
  }

  /** The current pace, events per minute. */
  get eventsPerMinute(): number {
    return 60_000 / this.#intervalMs;
  }

  /**
   * Resolves when the caller may send: one slot per interval, none during a pause. Rejects with
   * the signal's reason as soon as `signal` aborts (the run is stopping: nothing new starts).
   */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#clock();
      const slot = Math.max(now, this.#nextSlotMs, this.#pausedUntilMs);
      this.#nextSlotMs = slot + this.#intervalMs;
      if (slot > now) await sleep(slot - now, signal);
      signal?.throwIfAborted();
      // A pause that began while this caller slept holds it back too.
      if (this.#clock() >= this.#pausedUntilMs) return;
    }
  }

  /** No send starts before `ms` from now. */
  pause(ms: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, this.#clock() + ms);
  }

  /**
   * After a 429: halves the pace (down to 1/MAX_SLOWDOWN_FACTOR of the configured rate). The
   * 429s of requests already in flight count once: at most one halving per current interval.
   */
  slowDown(): void {
    const now = this.#clock();
    if (now - this.#lastSlowDownMs < this.#intervalMs) return;
    this.#lastSlowDownMs = now;
    this.#intervalMs = Math.min(this.#intervalMs * 2, this.#baseIntervalMs * MAX_SLOWDOWN_FACTOR);
    this.#nextSlotMs = Math.max(this.#nextSlotMs, now + this.#intervalMs);
  }
}
