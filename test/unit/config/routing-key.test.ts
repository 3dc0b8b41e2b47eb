/** Routing-key messages say what is wrong, never quoting the key. */
import { describe, expect, it } from 'vitest';
import { routingKeyProblem } from '../../../src/config/routing-key.js';

const KEY = 'R0UT1NGKEYDEM0000000000000000000';

describe('routingKeyProblem', () => {
  it('accepts 32 letters and digits', () => expect(routingKeyProblem(KEY)).toBeUndefined());

  it.each([
    ['too short', 'abc', 'must be 32 characters (it has 3); an Events API v2 integration key is 32 letters and digits'],
    ['too long', `${KEY}x`, 'must be 32 characters (it has 33)'],
    ['32 characters with dashes', `${KEY.slice(0, 28)}-a-b`, "must be letters and digits only (it has 32 characters, but 2 are '-')"],
    [
      '32 characters with a space and a plus',
      `${KEY.slice(0, 30)} +`,
      "must be letters and digits only (it has 32 characters, but 2 are a space, '+')",
    ],
    ['non-ASCII letters', `${KEY.slice(0, 31)}é`, 'but 1 is not ASCII'],
    [
      'a trailing line break copied along',
      `${KEY}\n`,
      'must be 32 characters (it has 33: 1 is a line break around the key, copied along?)',
    ],
    ['spaces around it', `  ${KEY} `, 'it has 35: 3 are a space around the key'],
  ])('%s', (_name, value, expected) => {
    const problem = routingKeyProblem(value);
    expect(problem).toContain(expected);
    // Never the key itself (nor a long piece of it).
    expect(problem).not.toContain(KEY.slice(0, 8));
    expect(problem).not.toContain('\n');
  });
});
