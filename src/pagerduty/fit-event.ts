import type { PagerDutyEvent } from './events.js';

export const MAX_SUMMARY_CHARS = 1024;
/** PagerDuty rejects events over 512 KB (answering 400, which is never retried). */
export const MAX_EVENT_BYTES = 512 * 1024;
/** A shortened string ends with this, so a reader knows there was more. */
const ELLIPSIS = '…';

/**
 * Keeps an event inside PagerDuty's limits: the summary is cut to 1023 characters plus "…"; then,
 * while the event (routing key included) is 512 KB or more, every list in custom_details is cut
 * to the same length — whatever lists an event carries, so one added later is cut too — and
 * `<list>_omitted` says how many entries each lost (the counts beside them stay as they are).
 * Should the event still not fit (a huge name or other string), long strings are shortened
 * likewise. Pure.
 */
export function fitEvent(event: PagerDutyEvent): PagerDutyEvent {
  if (!event.payload) return event;
  const fitted: PagerDutyEvent = {
    ...event,
    payload: { ...event.payload, summary: fitSummary(event.payload.summary), custom_details: { ...event.payload.custom_details } },
  };
  if (fits(fitted)) return fitted;
  const lists = Object.entries(fitted.payload?.custom_details ?? {}).filter(
    (entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0,
  );
  const longest = Math.max(0, ...lists.map(([, list]) => list.length));
  const keep = largestThatFits(longest, (n) => withListsCut(fitted, n));
  const cut = withListsCut(fitted, keep);
  if (fits(cut)) return cut;
  const longestString = Math.max(0, ...stringsOf(cut).map((text) => text.length));
  return withStringsCut(
    cut,
    largestThatFits(longestString, (n) => withStringsCut(cut, n)),
  );
}

/** At most MAX_SUMMARY_CHARS characters: cut to one less plus "…", never inside a surrogate pair. */
export function fitSummary(summary: string): string {
  return summary.length <= MAX_SUMMARY_CHARS ? summary : shorten(summary, MAX_SUMMARY_CHARS);
}

/** Size of the event as sent: with a 32-character routing key. */
export function wireBytes(event: PagerDutyEvent): number {
  return Buffer.byteLength(JSON.stringify({ routing_key: 'x'.repeat(32), ...event }));
}

function fits(event: PagerDutyEvent): boolean {
  return wireBytes(event) < MAX_EVENT_BYTES;
}

/** Binary search for the largest n in [0, upper] whose event fits (0 when none does): O(log n) serialisations. */
function largestThatFits(upper: number, build: (n: number) => PagerDutyEvent): number {
  let low = 0;
  let high = upper;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(build(middle))) low = middle;
    else high = middle - 1;
  }
  return low;
}

function withListsCut(event: PagerDutyEvent, keep: number): PagerDutyEvent {
  const payload = event.payload;
  if (!payload) return event;
  const details: Record<string, unknown> = { ...payload.custom_details };
  for (const [key, value] of Object.entries(payload.custom_details)) {
    if (!Array.isArray(value) || value.length <= keep) continue;
    const earlier = details[`${key}_omitted`];
    details[key] = value.slice(0, keep);
    details[`${key}_omitted`] = (typeof earlier === 'number' ? earlier : 0) + value.length - keep;
  }
  return { ...event, payload: { ...payload, custom_details: details } };
}

// The fields that only PagerDuty's own vocabulary fills (and the summary, already fitted) are left alone.
const FIXED_PAYLOAD_FIELDS = new Set(['summary', 'severity', 'timestamp']);

/** Every string the last resort may shorten: payload fields, custom_details values (in lists too), link texts and targets. */
function stringsOf(event: PagerDutyEvent): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const [key, value] of Object.entries(event.payload ?? {})) if (!FIXED_PAYLOAD_FIELDS.has(key)) visit(value);
  Object.values(event.payload?.custom_details ?? {}).forEach(visit);
  for (const link of event.links ?? []) visit([link.href, link.text]);
  return found;
}

function withStringsCut(event: PagerDutyEvent, maxChars: number): PagerDutyEvent {
  const payload = event.payload;
  if (!payload) return event;
  const cut = (value: unknown): unknown =>
    typeof value === 'string' && value.length > maxChars ? shorten(value, maxChars) : Array.isArray(value) ? value.map(cut) : value;
  const fields = Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [key, FIXED_PAYLOAD_FIELDS.has(key) ? value : cut(value)]),
  );
  const details = Object.fromEntries(Object.entries(payload.custom_details).map(([key, value]) => [key, cut(value)]));
  return {
    ...event,
    payload: { ...(fields as typeof payload), custom_details: details },
    ...(event.links ? { links: event.links.map((link) => ({ href: cut(link.href) as string, text: cut(link.text) as string })) } : {}),
  };
}

/** `text` cut to `maxChars` characters, the last one "…", never inside a surrogate pair. */
function shorten(text: string, maxChars: number): string {
  if (maxChars <= 0) return '';
  let cut = maxChars - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}${ELLIPSIS}`;
}
