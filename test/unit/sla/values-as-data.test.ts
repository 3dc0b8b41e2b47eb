/** Values from the source are data: any tier value or identity id is an ordinary value (property tests). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessIdentity } from '../../../src/sla/policy.js';
import { NOW_MS as NOW } from '../../helpers/clock.js';
import { testPolicy } from '../../helpers/sla-fixtures.js';

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);
const names = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string());

describe('assessIdentity over any tier value', () => {
  it('a configured tier (any letter case) gets its SLA; any other value gets the default tier, with a finite SLA', () => {
    const policy = testPolicy();
    fc.assert(
      fc.property(names, (value) => {
        const identity = { id: 'id1', name: 'n', displayName: 'N', inactive: true, attributes: { risk_tier: value } };
        const assessment = assessIdentity(identity, policy, NOW, NOW);
        expect(Number.isFinite(assessment.slaHours)).toBe(true);
        const configured = ['privileged', 'standard'].includes(value.trim().toLowerCase());
        expect(assessment.tier).toBe(configured ? value.trim().toLowerCase() : 'standard');
      }),
      { numRuns: 500 },
    );
  });
});
