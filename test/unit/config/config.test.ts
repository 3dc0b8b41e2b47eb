import { describe, expect, it } from 'vitest';
import { parseConfig, type WatchdogEnv } from '../../../src/config/config.js';
import { parseJsonText } from '../../../src/config/json-text.js';
import { ConfigError } from '../../../src/errors.js';

const env: WatchdogEnv = { IIQ_USERNAME: 'watchdog', IIQ_PASSWORD: 'pw-123456', PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) };
const minimal = () => ({
  iiq: { baseUrl: 'https://iiq.example.com/identityiq' },
  leaver: { terminationDateAttribute: 'hrTerminationDate' },
  slaHours: { standard: 8 },
});

function errorOf(raw: unknown, environment: WatchdogEnv = env): string {
  try {
    parseConfig(raw, environment, '/etc/watchdog', { routingKey: true });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills defaults, resolves paths against the config folder, wraps secrets', () => {
    const config = parseConfig(minimal(), env, '/etc/watchdog', { routingKey: true });
    expect(config.source).toMatchObject({ kind: 'iiq', api: 'rest', auth: 'basic', pageSize: 250, concurrency: 8, timeoutSeconds: 30 });
    expect(config.pagerduty).toMatchObject({
      retries: 3,
      retryMinDelayMs: 1000,
      maxEventsPerMinute: 100,
      renotifyMinutes: 240,
      source: 'iiq.example.com',
    });
    expect(config.state.path).toBe('/etc/watchdog/watchdog-state.json');
    expect(config.deadLetter.path).toBe('/etc/watchdog/dead_letter.jsonl');
    expect(JSON.stringify(config)).not.toContain('pw-123456');
    expect(JSON.stringify(config)).not.toContain('a'.repeat(32));
    expect(config.pagerduty.routingKey?.reveal()).toBe('a'.repeat(32));
  });

  it('not-started leavers: a 30-day lookback and no rehire attribute unless configured; 0 and 366 are allowed', () => {
    expect(parseConfig(minimal(), env, '/', { routingKey: true }).leaver).toMatchObject({ notStartedLookbackDays: 30 });
    expect(parseConfig(minimal(), env, '/', { routingKey: true }).leaver.rehireDateAttribute).toBeUndefined();
    for (const days of [0, 366]) {
      const raw = {
        ...minimal(),
        leaver: { terminationDateAttribute: 'd', notStartedLookbackDays: days, rehireDateAttribute: 'rehireDate' },
      };
      expect(parseConfig(raw, env, '/', { routingKey: true }).leaver).toMatchObject({
        notStartedLookbackDays: days,
        rehireDateAttribute: 'rehireDate',
      });
    }
  });

  it('lets IIQ_BASE_URL and PAGERDUTY_EVENTS_URL override the file', () => {
    const config = parseConfig(
      minimal(),
      { ...env, IIQ_BASE_URL: 'http://127.0.0.1:9/iiq/', PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9/v2/enqueue' },
      '/',
      { routingKey: true },
    );
    expect(config.source.baseUrl).toBe('http://127.0.0.1:9/iiq');
    expect(config.pagerduty.eventsUrl).toBe('http://127.0.0.1:9/v2/enqueue');
  });

  it.each([
    ['unknown top-level key', { ...minimal(), extra: 1 }, 'unknown key "extra"'],
    ['unknown nested key', { ...minimal(), iiq: { baseUrl: 'https://x', pagesize: 5 } }, 'unknown key "iiq.pagesize"'],
    ['wrong type', { ...minimal(), iiq: { baseUrl: 'https://x', pageSize: '250' } }, 'iiq.pageSize: expected number, received string'],
    ['zero SLA hours', { ...minimal(), slaHours: { standard: 0 } }, 'slaHours.standard: must be a positive number of hours'],
    ['negative SLA hours', { ...minimal(), slaHours: { standard: -4 } }, 'slaHours.standard: must be a positive number of hours'],
    ['no tiers', { ...minimal(), slaHours: {} }, 'slaHours: must name at least one tier'],
    [
      'default tier without SLA',
      { ...minimal(), leaver: { terminationDateAttribute: 'd', defaultTier: 'gold' } },
      'leaver.defaultTier "gold" has no entry in slaHours',
    ],
    [
      'bad time zone',
      { ...minimal(), leaver: { terminationDateAttribute: 'd', timezone: 'Mars/Olympus' } },
      'leaver.timezone: must be an IANA time zone name',
    ],
    ['non-http URL', { ...minimal(), iiq: { baseUrl: 'ftp://iiq.example.com' } }, 'iiq.baseUrl: must be an http(s) URL'],
    [
      'credentials in the URL',
      { ...minimal(), iiq: { baseUrl: 'https://u:p@iiq.example.com' } },
      'iiq.baseUrl: must be an http(s) URL without credentials',
    ],
    ['missing termination attribute', { ...minimal(), leaver: {} }, 'leaver.terminationDateAttribute'],
    [
      'not-started lookback over a year',
      { ...minimal(), leaver: { terminationDateAttribute: 'd', notStartedLookbackDays: 367 } },
      'leaver.notStartedLookbackDays: must be a whole number from 0 to 366',
    ],
    [
      'not-started lookback in fractions of a day',
      { ...minimal(), leaver: { terminationDateAttribute: 'd', notStartedLookbackDays: 1.5 } },
      'leaver.notStartedLookbackDays: must be a whole number',
    ],
    [
      'empty rehire attribute',
      { ...minimal(), leaver: { terminationDateAttribute: 'd', rehireDateAttribute: '' } },
      'leaver.rehireDateAttribute',
    ],
    ['not an object', [], '(top level): expected object'],
  ])('%s', (_name, raw, expected) => {
    const message = errorOf(raw);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it.each([
    ['missing password', { ...env, IIQ_PASSWORD: undefined }, 'IIQ_PASSWORD is not set'],
    ['missing both', { PAGERDUTY_ROUTING_KEY: 'a'.repeat(32) }, 'IIQ_USERNAME and IIQ_PASSWORD are not set'],
    ['missing routing key', { ...env, PAGERDUTY_ROUTING_KEY: undefined }, 'PAGERDUTY_ROUTING_KEY is not set'],
    ['short routing key', { ...env, PAGERDUTY_ROUTING_KEY: 'abc' }, 'PAGERDUTY_ROUTING_KEY must be 32 characters (it has 3)'],
    ['bad IIQ_BASE_URL', { ...env, IIQ_BASE_URL: 'iiq.example.com' }, 'IIQ_BASE_URL must be an http(s) URL'],
  ])('environment: %s', (_name, environment, expected) => {
    expect(errorOf(minimal(), environment as WatchdogEnv)).toContain(expected);
  });

  it('needs oauth client credentials when iiq.auth is oauth', () => {
    expect(errorOf({ ...minimal(), iiq: { baseUrl: 'https://x', auth: 'oauth' } })).toContain(
      'IIQ_CLIENT_ID and IIQ_CLIENT_SECRET are not set',
    );
  });

  it('does not need the routing key when the command sends nothing', () => {
    expect(() => parseConfig(minimal(), { ...env, PAGERDUTY_ROUTING_KEY: undefined }, '/', { routingKey: false })).not.toThrow();
  });
});

describe('parseJsonText', () => {
  it('names line and column of malformed JSON', () => {
    expect(() => parseJsonText('{\n  "iiq": {,\n}', 'config.json')).toThrow(/config\.json is not valid JSON at line 2 column 11/);
  });
});
