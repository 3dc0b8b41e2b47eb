/** The dry run's summary counts what it would send. */
import { describe, expect, it } from 'vitest';
import { countPlanned } from '../../../src/cycle/notifications.js';

describe('countPlanned', () => {
  it('counts planned events by action; nothing is dead-lettered in a dry run', () => {
    const planned = [{ action: 'trigger' }, { action: 'trigger' }, { action: 'retrigger' }, { action: 'resolve' }] as const;
    expect(countPlanned(planned)).toEqual({ triggered: 2, retriggered: 1, resolved: 1, deadLettered: 0, notSent: 0 });
    expect(countPlanned([])).toEqual({ triggered: 0, retriggered: 0, resolved: 0, deadLettered: 0, notSent: 0 });
  });
});
