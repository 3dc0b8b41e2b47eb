/** ISC error answers → one line: SailPoint's standard error body, the 401 and 429 bodies, HTML, nothing usable. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeIscAnswer, parseIscErrorBody } from '../../../src/isc/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/isc/${name}`, import.meta.url), 'utf8');

describe('describeIscAnswer', () => {
  it.each<[string, number, string, string | null, string]>([
    [
      'the standard error body: first message, detailCode, trackingId',
      400,
      fixture('error-400.json'),
      'application/json',
      'HTTP 400: The filter names a field that cannot be filtered. (detailCode 400.1 Bad Request Content, trackingId 0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f)',
    ],
    [
      'no messages: the first cause',
      400,
      fixture('error-400-causes-only.json'),
      'application/json',
      'HTTP 400: limit must be at most 250. (detailCode 400.1 Bad Request Content, trackingId 1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60)',
    ],
    ['the 401 body {"error"}', 401, fixture('error-401.json'), 'application/json', 'HTTP 401: JWT validation failed: JWT is expired'],
    ['the 429 body {"message"}, trimmed', 429, fixture('error-429.json'), 'application/json', 'HTTP 429: Rate Limit Exceeded'],
    [
      'the token endpoint {"error", "error_description"}',
      401,
      '{"error":"invalid_client","error_description":"Bad credentials"}',
      'application/json',
      'HTTP 401: invalid_client: Bad credentials',
    ],
    [
      'an HTML page (a proxy or login page)',
      502,
      '<!DOCTYPE html><html><body>Bad gateway</body></html>',
      'text/html',
      'HTTP 502: an HTML page (52 bytes)',
    ],
    ['HTML without a content type', 503, '  <html>down</html>', null, 'HTTP 503: an HTML page (19 bytes)'],
    ['invalid JSON', 500, '{"detailCode": "500', 'application/json', 'HTTP 500'],
    ['a JSON array', 500, '[1,2]', 'application/json', 'HTTP 500'],
    ['an empty body', 503, '', null, 'HTTP 503'],
  ])('%s', (_name, status, text, contentType, expected) => {
    expect(describeIscAnswer(status, text, contentType)).toBe(expected);
  });

  it('stays on one line and short, whatever the body says', () => {
    const body = JSON.stringify({ messages: [{ text: `line one\nline two\r\n${'x'.repeat(1000)}` }], trackingId: 'y'.repeat(500) });
    const line = describeIscAnswer(500, body);
    expect(line).not.toMatch(/[\r\n]/);
    expect(line.length).toBeLessThan(420);
  });

  it('skips null and text-less messages', () => {
    expect(parseIscErrorBody(JSON.stringify({ messages: [null, { locale: 'en-US' }, { text: '  ' }, { text: 'third' }] }))).toEqual({
      text: 'third',
    });
  });
});
