import type { DeadLetter } from '../pagerduty/dead-letter.js';
import { appendJsonLine } from './atomic-file.js';

/** Appends an undeliverable event to the dead-letter file. */
export function appendDeadLetter(path: string, letter: DeadLetter): Promise<void> {
  return appendJsonLine(path, letter);
}
