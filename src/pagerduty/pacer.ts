import { sleep } from '../http/retry-policy.js';

/**
 * Spaces sends evenly to a per-minute budget (no bursts), so PagerDuty's rolling 60 s window
 * never fills; `pause` holds every sender back after a 429.
 */
export class Pacer {
  readonly #intervalMs: number;
  #nextSlotMs = 0;

  constructor(eventsPerMinute: number) {
    this.#intervalMs = 60_000 / eventsPerMinute;
  }

  /** Resolves when the caller may send. */
  async take(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.#nextSlotMs);
    this.#nextSlotMs = slot + this.#intervalMs;
    if (slot > now) await sleep(slot - now);
  }

  /** No send starts before `ms` from now. */
  pause(ms: number): void {
    this.#nextSlotMs = Math.max(this.#nextSlotMs, Date.now() + ms);
  }
}
