/** PagerDuty Events API v2 integration keys are 32 characters. */
export const ROUTING_KEY_LENGTH = 32;

/**
 * What is wrong with the shape of a routing key, e.g. "must be 32 characters (it has 33; it
 * ends with a line break: copied along?)"; undefined when it has the shape PagerDuty issues
 * (32 letters and digits). Never quotes the key: only characters that cannot be part of a key.
 */
export function routingKeyProblem(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed !== value && isKeyShaped(trimmed)) {
    return `must be ${ROUTING_KEY_LENGTH} characters (it has ${value.length}: ${describeCharacters(value.length - trimmed.length, whitespaceKinds(value))} around the key, copied along?)`;
  }
  if (value.length !== ROUTING_KEY_LENGTH) {
    return `must be ${ROUTING_KEY_LENGTH} characters (it has ${value.length}); an Events API v2 integration key is ${ROUTING_KEY_LENGTH} letters and digits`;
  }
  const offending = Array.from(value).filter((character) => !/[A-Za-z0-9]/.test(character));
  if (offending.length === 0) return undefined;
  const kinds = [...new Set(offending.map(nameOf))];
  return `must be letters and digits only (it has ${ROUTING_KEY_LENGTH} characters, but ${describeCharacters(offending.length, kinds)}); is it another kind of key or id rather than the Events API v2 integration key?`;
}

function isKeyShaped(value: string): boolean {
  return value.length === ROUTING_KEY_LENGTH && /^[A-Za-z0-9]+$/.test(value);
}

function describeCharacters(count: number, kinds: string[]): string {
  return `${count} ${count === 1 ? 'is' : 'are'} ${kinds.join(', ')}`;
}

function whitespaceKinds(value: string): string[] {
  const around = value.slice(0, value.length - value.trimStart().length) + value.slice(value.trimEnd().length);
  return [...new Set(Array.from(around).map(nameOf))];
}

/** A character that cannot be in a key, named without revealing any that could. */
function nameOf(character: string): string {
  if (character === ' ') return 'a space';
  if (character === '\t') return 'a tab';
  if (character === '\n' || character === '\r') return 'a line break';
  if (/\s/.test(character)) return 'whitespace';
  if (/^[\x21-\x7e]$/.test(character)) return `'${character}'`;
  return 'not ASCII';
}

/** True when the routing key has the shape PagerDuty issues. */
export function isWellFormedRoutingKey(value: string): boolean {
  return routingKeyProblem(value) === undefined;
}
