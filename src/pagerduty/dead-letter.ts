import type { StateChange } from '../sla/state-change.js';
import type { PagerDutyEvent } from './events.js';

/**
 * One line of the dead-letter file (spec 6): the event as built, without routing key, and the
 * state change its delivery makes (`change`, absent in lines written before version 0.2).
 */
export interface DeadLetter {
  failedAt: string;
  attempts: number;
  error: string;
  event: PagerDutyEvent;
  change?: StateChange;
}
