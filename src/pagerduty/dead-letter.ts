import { appendJsonLine } from '../state/atomic-file.js';
import type { PagerDutyEvent } from './events.js';

/** One line of the dead-letter file (spec 6): the event as built, without routing key. */
export interface DeadLetter {
  failedAt: string;
  attempts: number;
  error: string;
  event: PagerDutyEvent;
}

/** Appends an undeliverable event to the dead-letter file. */
export function appendDeadLetter(path: string, letter: DeadLetter): Promise<void> {
  return appendJsonLine(path, letter);
}
