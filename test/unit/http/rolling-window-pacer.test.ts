/** The rolling-window pacer on an injected clock: the window is never exceeded, pauses hold everyone, order is kept. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingWindowPacer } from '../../../src/http/rolling-window-pacer.js';

/** A pacer whose clock moves only by its own waits (and by `advance`). */
function clocked(limit: number, windowMs: number, marginMs = 0) {
  const clock = { ms: 0 };
  const pacer = new RollingWindowPacer({
    limit,
    windowMs,
    marginMs,
    nowMs: () => clock.ms,
    sleep: (ms) => {
      clock.ms += ms;
      return Promise.resolve();
    },
  });
  return { clock, pacer };
}

/** The most start instants within any half-open window [t, t + windowMs). */
function maxInAnyWindow(starts: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i += 1) {
    while ((starts[i] as number) - (starts[j] as number) >= windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('RollingWindowPacer', () => {
  it('lets a burst of `limit` start at once, then one more each time the oldest leaves the window', async () => {
    const { clock, pacer } = clocked(3, 10_000, 250);
    const starts: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await pacer.take();
      starts.push(clock.ms);
    }
    expect(starts).toEqual([0, 0, 0, 10_250, 10_250, 10_250, 20_500]);
    expect(pacer.started).toBe(7);
  });

  it('a pause holds every caller, also those already waiting', async () => {
    const { clock, pacer } = clocked(2, 1000);
    await pacer.take();
    pacer.pauseFor(5000);
    const waiting = [pacer.take().then(() => clock.ms), pacer.take().then(() => clock.ms)];
    expect(await Promise.all(waiting)).toEqual([5000, 5000]);
  });

  it('serves callers first come, first served', async () => {
    const { pacer } = clocked(1, 100);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 5 }, (_, i) => pacer.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('property: whatever the arrivals and pauses, no window holds more than `limit` starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(
          fc.record({
            gapMs: fc.integer({ min: 0, max: 3000 }),
            pauseMs: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
          }),
          { maxLength: 60 },
        ),
        async (limit, windowMs, arrivals) => {
          const { clock, pacer } = clocked(limit, windowMs);
          const starts: number[] = [];
          const pending: Promise<void>[] = [];
          for (const arrival of arrivals) {
            clock.ms += arrival.gapMs;
            if (arrival.pauseMs !== undefined) pacer.pauseFor(arrival.pauseMs);
            pending.push(pacer.take().then(() => void starts.push(clock.ms)));
            // Let the pacer serve (and its clock move) before the next arrival.
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          await Promise.all(pending);
          expect(starts).toHaveLength(arrivals.length);
          expect(maxInAnyWindow(starts, windowMs)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });

  it('rejects a limit below one', () => {
    expect(() => new RollingWindowPacer({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
  });
});
