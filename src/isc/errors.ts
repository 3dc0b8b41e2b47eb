import { SourceReadError } from '../source/source-read-error.js';

/**
 * ISC could not be read (exit 3 like an IIQ read failure). `message` is short (method, path,
 * status, our own hint) and is also the classified form state and PagerDuty events may carry.
 * `detail` is what ISC said (first message text, detailCode, trackingId): logs and `check` only.
 */
export function iscReadError(message: string, detail?: string): SourceReadError {
  return new SourceReadError(message, { classified: message, detail });
}

/** What an ISC error body says, each part cut short and on one line. */
export interface IscErrorBody {
  text?: string;
  detailCode?: string;
  trackingId?: string;
}

const clean = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.replace(/\s+/g, ' ').trim().slice(0, max) : undefined;

/**
 * Reads `{"detailCode", "trackingId", "messages": [{"locale", "text"}]}` (ISC's error shape),
 * or the gateway's `{"error": "..."}`/`{"message": "..."}`; anything else says nothing.
 */
export function parseIscErrorBody(text: string): IscErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const record = body as Record<string, unknown>;
  const messages = Array.isArray(record.messages) ? (record.messages as unknown[]) : [];
  const first = messages.find((m): m is { text: unknown } => typeof m === 'object' && m !== null && 'text' in m);
  const found: IscErrorBody = {};
  const textPart = clean(first?.text, 300) ?? clean(record.error, 300) ?? clean(record.message, 300);
  const detailCode = clean(record.detailCode, 80);
  const trackingId = clean(record.trackingId, 80);
  if (textPart !== undefined) found.text = textPart;
  if (detailCode !== undefined) found.detailCode = detailCode;
  if (trackingId !== undefined) found.trackingId = trackingId;
  return found;
}

/** "HTTP 500: Internal error (detailCode 500.0 Internal Fault, trackingId 3fa1…)" — for logs and check. */
export function describeIscError(status: number, body: IscErrorBody): string {
  const extras = [body.detailCode && `detailCode ${body.detailCode}`, body.trackingId && `trackingId ${body.trackingId}`].filter(Boolean);
  return `HTTP ${status}${body.text ? `: ${body.text}` : ''}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
}
