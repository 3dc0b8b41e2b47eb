import { z } from 'zod';
import type { PagerDutyEvent } from '../pagerduty/events.js';
import { firstIssue } from '../parse/first-issue.js';
import { isoInstant } from '../parse/iso-instant.js';
import { stateChangeSchema, type StateChange } from '../sla/state-change.js';
import { appendJsonLine } from './local-file.js';
import { readJsonLines } from './json-lines.js';
import { omitKeys } from '../omit-keys.js';

/**
 * One line of the dead-letter file: the event as built, without routing key, and the
 * state change its delivery makes (`change`, absent in lines written before version 0.2).
 */
export interface DeadLetter {
  failedAt: string;
  attempts: number;
  error: string;
  event: PagerDutyEvent;
  change?: StateChange;
}

/** One non-blank line of the dead-letter file: parsed, or the reason it could not be. */
export type DeadLetterEntry = { line: number; raw: string } & (
  { letter: DeadLetter; problem?: undefined } | { letter?: undefined; problem: string }
);

/** Appends an undeliverable event to the dead-letter file. */
export function appendDeadLetter(path: string, letter: DeadLetter): Promise<void> {
  return appendJsonLine(path, letter);
}

const eventSchema = z
  .looseObject({
    event_action: z.enum(['trigger', 'resolve']),
    dedup_key: z.string().min(1).max(255),
    payload: z
      .looseObject({
        summary: z.string().min(1),
        source: z.string().min(1),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
  })
  .refine((event) => event.event_action !== 'trigger' || event.payload !== undefined, {
    message: 'a trigger needs a payload',
    path: ['payload'],
  });

const letterSchema = z.object({
  failedAt: isoInstant,
  attempts: z.number().int().min(0),
  error: z.string(),
  event: eventSchema,
  change: stateChangeSchema.optional(),
});

/** Parses the dead-letter file. Pure; blank lines are skipped, a bad line becomes an entry with its problem. */
export function parseDeadLetters(text: string): DeadLetterEntry[] {
  const entries: DeadLetterEntry[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const raw = rawLine.replace(/\r$/, '');
    if (raw.trim() !== '') entries.push({ line: index + 1, raw, ...parseDeadLetterLine(raw) });
  });
  return entries;
}

/** Streams the dead-letter file into entries (a line over 1 MB becomes an entry with its problem and no text); undefined when there is none. */
export async function readDeadLetters(path: string): Promise<DeadLetterEntry[] | undefined> {
  const entries: DeadLetterEntry[] = [];
  const found = await readJsonLines(
    path,
    (raw, line) => entries.push({ line, raw, ...parseDeadLetterLine(raw) }),
    ({ line, reason }) => entries.push({ line, raw: '', problem: reason }),
  );
  entries.sort((a, b) => a.line - b.line);
  return found ? entries : undefined;
}

function parseDeadLetterLine(raw: string): { letter: DeadLetter } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const parsed = letterSchema.safeParse(json);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    return { problem: `unexpected content at ${field}: ${message}` };
  }
  // The event re-sent is the one written, key order and all; only a stray routing_key goes.
  const event = omitKeys((json as { event: Record<string, unknown> }).event, 'routing_key');
  return { letter: { ...parsed.data, event: event as unknown as PagerDutyEvent } };
}
