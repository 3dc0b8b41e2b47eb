import type { PagerDutySender } from '../pagerduty/sender.js';

/**
 * How a run treats PagerDuty: a dry run sends and writes nothing (it prints what it would send);
 * `deliver` sends through `sender` and records every answer.
 */
export type DeliveryMode = { kind: 'dry-run' } | { kind: 'deliver'; sender: PagerDutySender };

/** The mode of a run that sends through `sender`. */
export function deliverWith(sender: PagerDutySender): DeliveryMode {
  return { kind: 'deliver', sender };
}

/** The mode of a dry run. */
export const DRY_RUN: DeliveryMode = { kind: 'dry-run' };
