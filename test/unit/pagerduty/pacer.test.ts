/** The event pacer's arithmetic on an injected clock: even slots, pauses, and how far a 429 slows it. */
import { describe, expect, it } from 'vitest';
import { MAX_SLOWDOWN_FACTOR, createEventPacer } from '../../../src/pagerduty/pacer.js';

function clocked(eventsPerMinute: number) {
  const clock = { nowMs: 1_000_000 };
  return { clock, pacer: createEventPacer(eventsPerMinute, { nowMs: () => clock.nowMs }) };
}

describe('PagerDuty event pacer (one rolling-window start per interval)', () => {
  it('halves the pace on a 429, counting 429s within one interval once', () => {
    const { clock, pacer } = clocked(120); // one slot per 500 ms
    pacer.slowDown();
    pacer.slowDown(); // an in-flight request's 429 arriving at the same moment
    expect(pacer.startsPerMinute).toBe(60);
    clock.nowMs += 999; // still inside the new 1 000 ms interval
    pacer.slowDown();
    expect(pacer.startsPerMinute).toBe(60);
    clock.nowMs += 1;
    pacer.slowDown();
    expect(pacer.startsPerMinute).toBe(30);
  });

  it(`never slows below 1/${MAX_SLOWDOWN_FACTOR} of the configured rate`, () => {
    const { clock, pacer } = clocked(240);
    for (let i = 0; i < 10; i += 1) {
      pacer.slowDown();
      clock.nowMs += 60_000;
    }
    expect(pacer.startsPerMinute).toBe(240 / MAX_SLOWDOWN_FACTOR);
  });

  it('hands out the first slot at once and pauses nobody when not asked to', async () => {
    const { pacer } = clocked(60);
    await pacer.take(); // resolves without waiting: the clock never moves here
    expect(pacer.startsPerMinute).toBe(60);
  });
});
