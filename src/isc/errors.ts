import { looksLikeHtml } from '../http/wire.js';
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

/** The first `text` of an ErrorMessageDto list (`messages` or `causes`); null and odd items are skipped. */
function firstText(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list as unknown[]) {
    if (item && typeof item === 'object') {
      const text = clean((item as Record<string, unknown>).text, 300);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

/**
 * Reads the three error bodies SailPoint's OpenAPI documents: the standard ErrorResponseDto
 * (`{"detailCode", "trackingId", "messages": [{"locale", "localeOrigin", "text"}], "causes": [...]}`),
 * the 401 of an expired or missing token (`{"error": "..."}`, with `error_description` from the
 * token endpoint) and the 429 of the rate limit (`{"message": "..."}`). Anything else says nothing.
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
  const oauthError = clean(record.error, 150);
  const oauthDescription = clean(record.error_description, 150);
  const textPart =
    firstText(record.messages) ??
    firstText(record.causes) ??
    (oauthError && oauthDescription ? `${oauthError}: ${oauthDescription}` : oauthError) ??
    clean(record.message, 300);
  const detailCode = clean(record.detailCode, 80);
  const trackingId = clean(record.trackingId, 80);
  const found: IscErrorBody = {};
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

/**
 * One line for logs and `check` from any error answer: the parsed body as describeIscError
 * says it, "an HTML page (N bytes)" for a proxy or login page, else the bare status.
 */
export function describeIscAnswer(status: number, text: string, contentType?: string | null): string {
  if (looksLikeHtml(contentType ?? null, text)) return `HTTP ${status}: an HTML page (${text.length} bytes)`;
  return describeIscError(status, parseIscErrorBody(text));
}
