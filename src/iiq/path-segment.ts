/**
 * An identity name (or id) as exactly one URL path segment: percent-encoded so that
 * `/`, `?`, `#` and `%` stay inside it, and a name made only of dots (`.`, `..`) spelt `%2E` each,
 * so that it is never taken as "this folder" or "one level up". The request is then sent as
 * built (see http.ts): a WHATWG URL parser would still fold `%2E%2E` away.
 */
export function encodePathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.+$/.test(value) ? encoded.replace(/\./g, '%2E') : encoded;
}

/**
 * True for `.` and `..`: however they are encoded, a server or proxy in front of IIQ may fold
 * `%2E%2E` into "one level up" and answer for another path, so such a name is never read by path.
 */
export function isDotSegment(value: string): boolean {
  return value === '.' || value === '..';
}
