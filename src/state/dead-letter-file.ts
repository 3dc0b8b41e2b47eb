import { z } from 'zod';
import type { PagerDutyEvent } from '../pagerduty/events.js';
import { firstIssue } from '../parse/first-issue.js';
import { isoInstant } from '../parse/iso-instant.js';
import { stateChangeSchema, type StateChange } from '../sla/state-change.js';
import { appendJsonLine } from './atomic-file.js';
import { omitKeys } from '../omit-keys.js';

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

/**
 * One non-blank line of the dead-letter file: parsed, or the reason it could not be. `bytes` is
 * the line exactly as stored (without its newline): a line that stays is written back from it,
 * byte for byte, whatever its encoding; `raw` is its UTF-8 reading, for parsing and logs.
 */
export type DeadLetterEntry = { line: number; raw: string; bytes: Buffer } & (
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

/** Parses the dead-letter file's text. Pure; blank lines are skipped, a bad line becomes an entry with its problem. */
export function parseDeadLetters(text: string): DeadLetterEntry[] {
  return parseDeadLetterBytes(Buffer.from(text, 'utf8'));
}

/**
 * Parses the dead-letter file as stored (bytes, not decoded text, so that a line in another
 * encoding can be kept exactly as it is). Pure; blank lines are skipped.
 */
export function parseDeadLetterBytes(content: Buffer): DeadLetterEntry[] {
  const entries: DeadLetterEntry[] = [];
  let start = 0;
  let index = 0;
  while (start < content.length) {
    const end = content.indexOf(0x0a, start);
    const stop = end === -1 ? content.length : end;
    const bytes = content.subarray(start, stop);
    const raw = bytes.toString('utf8').replace(/\r$/, '');
    index += 1;
    if (raw.trim() !== '') entries.push({ line: index, raw, bytes, ...parseDeadLetterLine(raw) });
    start = stop + 1;
  }
  return entries;
}

/** The dead-letter file's content with exactly these lines, each as stored. Pure. */
export function renderKeptLines(entries: readonly Pick<DeadLetterEntry, 'bytes'>[]): Buffer {
  return Buffer.concat(entries.flatMap((entry) => [entry.bytes, Buffer.from('\n')]));
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
