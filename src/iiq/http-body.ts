/** The JSON of a body, or undefined when it is none. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of an error body: SCIM `detail`, IIQ `message`, or nothing. */
export function describeErrorBody(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body.scimType, body.detail ?? body.message].filter((p): p is string => typeof p === 'string' && p !== '');
    return parts.length > 0 ? ` (${parts.join(': ').slice(0, 300)})` : '';
  } catch {
    return '';
  }
}
