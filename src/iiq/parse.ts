import { z } from 'zod';
import { SourceReadError } from '../source/source-read-error.js';
import { firstIssue, plainIssueMessage } from '../parse/first-issue.js';

/** An IIQ object id: a string, or a number some plugins send; always a string afterwards. */
export const iiqId = z.union([z.string().min(1), z.number()]).transform(String);

/** Parses an IIQ answer with its schema; a mismatch is a failed read that names the field. */
export function parseIiqAnswer<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
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
