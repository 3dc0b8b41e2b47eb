import { sleep as realSleep } from './retry-policy.js';

/** How many requests may start per window, and the clock it counts on. */
export interface RollingWindowOptions {
  /** At most this many starts in any window. */
  limit: number;
  windowMs: number;
  /**
   * Added to the window: our clock stamps a start a little before the request reaches the
   * server, and the server's clock may see two starts closer together than we did.
   */
  marginMs?: number;
  /** The clock and the wait (tests inject both). */
  nowMs?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How far `slowDown` may stretch the window: at most this many times the configured one. */
  maxSlowDownFactor?: number;
}

/**
 * A strict rolling-window pacer: never more than `limit` starts in any `windowMs` (plus margin),
 * bursts allowed up to the limit, callers served first come first served. `pauseFor` holds
 * every caller back (a 429's Retry-After). One start = one `take()` that resolved.
 */
export class RollingWindowPacer {
  readonly #limit: number;
  #spanMs: number;
  readonly #nowMs: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #baseSpanMs: number;
  readonly #maxSpanMs: number;
  #lastSlowDownMs = Number.NEGATIVE_INFINITY;
  /** Start instants of the last `limit` starts, oldest first. */
  readonly #starts: number[] = [];
  #pausedUntilMs = Number.NEGATIVE_INFINITY;
  #queue: Promise<void> = Promise.resolve();
  #started = 0;

  constructor(options: RollingWindowOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.#limit = options.limit;
    this.#spanMs = options.windowMs + (options.marginMs ?? 0);
    this.#baseSpanMs = this.#spanMs;
    this.#maxSpanMs = this.#spanMs * (options.maxSlowDownFactor ?? 1);
    // Monotonic by default: a wall-clock step must neither stall nor burst the pacer.
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#sleep = options.sleep ?? realSleep;
  }

  /** Starts handed out so far. */
  get started(): number {
    return this.#started;
  }

  /** Starts per minute at the current pace (after any slow-down). */
  get startsPerMinute(): number {
    return (this.#limit * 60_000) / this.#spanMs;
  }

  /**
   * Resolves when the caller may start its request; start it at once. Rejects with the signal's
   * reason once `signal` aborts (the run is stopping: nothing new starts).
   */
  take(signal?: AbortSignal): Promise<void> {
    // One taker at a time, in order: a later caller never overtakes one already waiting.
    const turn = this.#queue.then(() => this.#acquire(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** No start before `ms` from now (Retry-After); callers already waiting wait too. */
  pauseFor(ms: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, this.#nowMs() + Math.max(0, ms));
  }

  /** The earliest instant the next start may happen, on the pacer's clock. */
  nextStartMs(): number {
    const oldest = this.#starts.length < this.#limit ? Number.NEGATIVE_INFINITY : (this.#starts[0] as number) + this.#spanMs;
    return Math.max(oldest, this.#pausedUntilMs);
  }

  /**
   * After a 429: doubles the window (halves the pace) up to `maxSlowDownFactor` times the
   * configured one. The 429s of requests already in flight count once: at most one doubling per window.
   */
  slowDown(): void {
    const now = this.#nowMs();
    if (now - this.#lastSlowDownMs < this.#spanMs) return;
    this.#lastSlowDownMs = now;
    this.#spanMs = Math.min(this.#spanMs * 2, Math.max(this.#maxSpanMs, this.#baseSpanMs));
  }

  async #acquire(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#nowMs();
      const at = this.nextStartMs();
      if (at <= now) {
        this.#starts.push(now);
        if (this.#starts.length > this.#limit) this.#starts.shift();
        this.#started += 1;
        return;
      }
      // Re-checked after the wait: a pause may have begun meanwhile.
      await this.#sleep(at - now, signal);
    }
  }
}
