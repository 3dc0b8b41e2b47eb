import { z } from 'zod';
import { SourceReadError } from '../source/source-read-error.js';
import { firstIssue, plainIssueMessage } from '../parse/first-issue.js';

/** An IIQ object id: a string, or a number some plugins send; always a string afterwards. */
export const iiqId = z.union([z.string().min(1), z.number()]).transform(String);

/** iiqId's fast twin: the id as a string, or undefined when the schema must judge it. */
export function fastIiqId(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/** A JSON object (not an array, not null), as z.object takes it. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `z.record(z.string(), z.unknown()).nullish()`'s fast twin: a copy of a plain JSON object's own
 * keys (`__proto__` left out, as zod does), null and undefined as they are, or the string
 * 'no' when the schema must judge the value.
 */
export function fastNullishRecord(value: unknown): Record<string, unknown> | null | undefined | 'no' {
  if (value === undefined || value === null) return value;
  if (!isJsonObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return 'no';
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== '__proto__') copy[key] = value[key];
  return copy;
}

/** `z.string().nullish()`'s fast twin. */
export function isNullishString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

/** `z.boolean().nullish()`'s fast twin: true when the value passes it. */
export function isNullishBoolean(value: unknown): value is boolean | null | undefined {
  return value === undefined || value === null || typeof value === 'boolean';
}

/** What a fast path makes of a body: the schema's output, or undefined when it leaves the body to the schema. */
export type FastPath<S extends z.ZodType> = (body: unknown) => z.output<S> | undefined;

const fastPaths = new WeakMap<z.ZodType, (body: unknown) => unknown>();

/**
 * Gives a schema of an answer read thousands of times a cycle (an identity's accounts, a bulk
 * page of 1000 accounts) a hand-written twin: zod costs several microseconds per account, about
 * a tenth of a request's CPU. The twin accepts only bodies it is sure the schema accepts and
 * returns what the schema would; anything else (an unexpected shape included) goes to the
 * schema, which still says what is wrong. A property test holds the two equal.
 */
export function withFastPath<S extends z.ZodType>(schema: S, fast: FastPath<S>): S {
  fastPaths.set(schema, fast);
  return schema;
}

/** The fast path given to a schema (for its tests). */
export function fastPathOf<S extends z.ZodType>(schema: S): FastPath<S> | undefined {
  return fastPaths.get(schema) as FastPath<S> | undefined;
}

/** Parses an IIQ answer with its schema; a mismatch is a failed read that names the field. */
export function parseIiqAnswer<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
  const fast = fastPaths.get(schema)?.(body);
  if (fast !== undefined) return fast as z.output<S>;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const { field, message } = firstIssue(parsed.error, '(body)');
  throw new SourceReadError(`IIQ ${label} answered an unexpected shape: ${field}: ${plainIssueMessage(message)}`, {
    // The field path names our schema's keys and indices, never a value IIQ sent.
    classified: `IIQ ${label}: unexpected answer shape at ${field}`,
  });
}

/** Guards a paged listing against servers that repeat pages or stop short of their own total. */
export class PageGuard {
  readonly #seen = new Set<string>();
  constructor(readonly label: string) {}

  /** Throws when an id was already listed on an earlier page. */
  checkNew(ids: readonly string[], position: number): void {
    for (const id of ids) {
      if (this.#seen.has(id)) {
        throw new SourceReadError(`IIQ ${this.label} pagination loop: the page at ${position} repeats id ${id}; listing stopped`, {
          classified: `IIQ ${this.label}: pagination loop`,
        });
      }
      this.#seen.add(id);
    }
  }

  /** Throws when the listing ended (empty page) before the total the server announced. */
  checkComplete(received: number, total: number): void {
    if (received < total) {
      throw new SourceReadError(`IIQ ${this.label} listing ended after ${received} of ${total} announced; listing incomplete`, {
        classified: `IIQ ${this.label}: listing incomplete`,
      });
    }
  }
}

/** How one offset-paged IIQ listing is read (REST start/limit, SCIM startIndex/count). */
export interface OffsetListing<P> {
  label: string;
  /** Asks for the page that starts after `received` items. */
  fetchPage(received: number): Promise<P>;
  itemsOf(page: P): readonly { id: string }[];
  /** The total the server announces on a page. */
  totalOf(page: P): number;
  /** How the API numbers its first item, for messages: REST's start counts from 0, SCIM's startIndex from 1. */
  firstPosition: 0 | 1;
  /** Pages to ask for ahead of the one handed out (0: one page after another). */
  readAhead?: number;
}

/**
 * Pages a listing until the total it announces. IIQ sends no page size back and may cap the one
 * asked for, so the next page starts after what came back; an empty page before the total, or a
 * page repeating ids, is a failed read.
 *
 * With `readAhead`, up to that many later pages are asked for while a page is handed out, each
 * where the listing will stand if every page comes back as long as the last one. A page is used
 * only when it starts exactly where the listing stands, so what is handed out, and every check,
 * is what reading one page after another gives; when a page comes back of another length, the
 * pages asked for ahead are dropped and asked for again from where the listing stands.
 */
export async function* offsetPages<P>(listing: OffsetListing<P>): AsyncGenerator<P> {
  const guard = new PageGuard(listing.label);
  const readAhead = listing.readAhead ?? 0;
  // Pages asked for ahead, by how many items precede them. Each carries a catch of its own, so a
  // page never used (the listing failed or stopped first) leaves no unhandled rejection; awaiting
  // it still throws.
  const ahead = new Map<number, Promise<P>>();
  let received = 0;
  let stride: number | undefined;
  for (;;) {
    const pending = ahead.get(received) ?? listing.fetchPage(received);
    ahead.delete(received);
    const page = await pending;
    const items = listing.itemsOf(page);
    const total = listing.totalOf(page);
    if (items.length === 0) {
      guard.checkComplete(received, total);
      return;
    }
    guard.checkNew(
      items.map((item) => item.id),
      received + listing.firstPosition,
    );
    received += items.length;
    if (readAhead > 0) {
      if (stride !== items.length) ahead.clear();
      stride = items.length;
      // Nothing is asked for past the total: the last page asks for none.
      for (let k = 0; k < readAhead && received + k * stride < total; k++) {
        const at = received + k * stride;
        if (ahead.has(at)) continue;
        const request = listing.fetchPage(at);
        request.catch(() => undefined);
        ahead.set(at, request);
      }
    }
    yield page;
    if (received >= total) return;
  }
}
