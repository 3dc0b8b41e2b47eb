import { describe, expect, it } from 'vitest';
import { HEALTHY, decideHealth, type HealthState } from '../../../src/sla/health.js';

const failing = (n: number, incidentOpen = false): HealthState => ({ consecutiveFailures: n, lastError: 'IIQ down', incidentOpen });

describe('decideHealth', () => {
  it.each<[string, HealthState, string | undefined, number, HealthState, string | undefined]>([
    ['healthy stays healthy', HEALTHY, undefined, 3, HEALTHY, undefined],
    ['first failure counts, no page', HEALTHY, 'IIQ down', 3, failing(1), undefined],
    ['second failure counts, no page', failing(1), 'IIQ down', 3, failing(2), undefined],
    ['third failure pages once', failing(2), 'IIQ down', 3, failing(3, true), 'trigger'],
    ['fourth failure does not page again', failing(3, true), 'IIQ down', 3, failing(4, true), undefined],
    ['threshold 1 pages on the first failure', HEALTHY, 'IIQ down', 1, failing(1, true), 'trigger'],
    ['healthy cycle resolves an open incident', failing(4, true), undefined, 3, HEALTHY, 'resolve'],
    ['healthy cycle after failures without incident just resets', failing(2), undefined, 3, HEALTHY, undefined],
  ])('%s', (_name, previous, failure, threshold, next, action) => {
    expect(decideHealth(previous, failure, threshold)).toEqual({ next, action });
  });
});
