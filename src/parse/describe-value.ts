/** A value read from outside as text: a string as it is, anything else as JSON, or its type when JSON has none. Never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // Typed as string, JSON.stringify gives undefined for a function or undefined.
    const json: unknown = JSON.stringify(value);
    return typeof json === 'string' ? json : typeof value;
  } catch {
    // An object with a broken toJSON must not crash the caller.
    return typeof value;
  }
}
