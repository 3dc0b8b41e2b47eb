/**
 * A secret value. It prints as [REDACTED] however it is serialised, so it cannot leak by
 * accident through a log line, a JSON file or an error message; `reveal()` is the one way out.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The raw value: call only where it is put on the wire. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[REDACTED]';
  }
  toJSON(): string {
    return '[REDACTED]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[REDACTED]';
  }
}

/**
 * Replaces every known secret, and the Basic credential derived from it, in a text. Applied
 * to everything the process writes (logs, stdout, files) as a last line of defence behind
 * Secret. Secrets learnt at run time (OAuth tokens) are added as they arrive.
 */
export class Redactor {
  #needles = new Set<string>();
  #pattern: RegExp | undefined;

  /** Adds a secret value; values under 4 characters are ignored (they would redact noise). */
  add(value: string | undefined): this {
    if (!value || value.length < 4) return this;
    this.#needles.add(value);
    this.#needles.add(encodeURIComponent(value));
    this.#pattern = undefined;
    return this;
  }

  /** Adds the base64 `user:password` that an HTTP Basic header carries. */
  addBasic(user: string, password: string): this {
    return this.add(Buffer.from(`${user}:${password}`).toString('base64'));
  }

  /** The text with every known secret, and any credential of an echoed Authorization value, replaced by [REDACTED]. */
  apply(text: string): string {
    const unknownCredentialsOut = text.replace(AUTHORIZATION_CREDENTIAL, '$1 [REDACTED]');
    if (this.#needles.size === 0) return unknownCredentialsOut;
    this.#pattern ??= new RegExp(
      [...this.#needles]
        .sort((x, y) => y.length - x.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return unknownCredentialsOut.replace(this.#pattern, '[REDACTED]');
  }
}

/**
 * `Basic <base64>` / `Bearer <token>` as an Authorization header carries it: an answer body
 * may echo a header whose credential the redactor does not know (a proxy's, another client's).
 * The token must hold a digit, a capital or base64 punctuation, so prose ("basic settings") stays.
 */
const AUTHORIZATION_CREDENTIAL = /\b([Bb]asic|[Bb]earer)\s+(?=[A-Za-z0-9._~+/-]*[0-9A-Z+/])[A-Za-z0-9._~+/-]{8,}=*/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
