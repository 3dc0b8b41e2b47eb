/** The health state kept after the cycle, by what became of the health event (table-driven, pure). */
import { describe, expect, it } from 'vitest';
import { decideHealth, settleHealth, type HealthDelivery, type HealthState } from '../../../src/sla/health.js';

const failing: HealthState = { consecutiveFailures: 2, lastError: 'x', incidentOpen: false };

describe('settleHealth', () => {
  const decision = decideHealth(failing, 'HTTP 503', 3);
  it.each<{ delivery: HealthDelivery; expected: HealthState }>([
    { delivery: 'delivered', expected: { consecutiveFailures: 3, lastError: 'HTTP 503', incidentOpen: true } },
    { delivery: 'failed', expected: { consecutiveFailures: 3, lastError: 'HTTP 503', incidentOpen: false } },
    { delivery: 'not-sent', expected: failing },
  ])('trigger $delivery', ({ delivery, expected }) => {
    expect(decision.action).toBe('trigger');
    expect(settleHealth(failing, decision, delivery)).toEqual(expected);
  });

  it('no event needed: the decision stands', () => {
    const quiet = decideHealth(failing, 'HTTP 503', 10);
    expect(settleHealth(failing, quiet, 'none')).toEqual(quiet.next);
  });
});
