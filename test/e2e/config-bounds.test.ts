/** Every number in the config has a sane upper bound; a value outside is exit 2 naming the key. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIiq, type FakeIiq } from '../../src/sandbox/fake-iiq.js';
import { DEMO_ENV, demoIdentities } from '../../src/sandbox/scenario.js';
import { runCli, writeDemoConfig } from '../../dev/run-cli.js';
import { CONFIG_NUMBER_BOUNDS, describeBound, type BoundedKey, type NumberBound } from '../../src/config/bounds.js';
import { parseConfig, type WatchdogEnv } from '../../src/config/config.js';
import { parseJsonText } from '../../src/config/json-text.js';
import { configFileSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const env: WatchdogEnv = {
  IIQ_USERNAME: 'watchdog',
  IIQ_PASSWORD: 'pw-123456',
  ISC_CLIENT_ID: 'client',
  ISC_CLIENT_SECRET: 'secret-123456',
  PAGERDUTY_ROUTING_KEY: 'a'.repeat(32),
};
const minimal = (): Record<string, any> => ({
  iiq: { baseUrl: 'https://iiq.example.com/identityiq' },
  leaver: { terminationDateAttribute: 'hrTerminationDate' },
  slaHours: { standard: 8 },
});

/** Every number the schema accepts, with its dotted key (`slaHours.*` for the record's values). */
function numbersIn(schema: z.ZodType, path: string, found: Map<string, z.ZodNumber>): Map<string, z.ZodNumber> {
  const def = (schema as unknown as { def: Record<string, any> }).def;
  switch (def.type) {
    case 'number':
      found.set(path, schema as z.ZodNumber);
      break;
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>))
        numbersIn(child, path ? `${path}.${key}` : key, found);
      break;
    case 'record':
      numbersIn(def.valueType, `${path}.*`, found);
      break;
    case 'array':
      numbersIn(def.element, `${path}[]`, found);
      break;
    case 'union':
      for (const option of def.options as z.ZodType[]) numbersIn(option, path, found);
      break;
    case 'pipe':
      numbersIn(def.in, path, found);
      break;
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
      numbersIn(def.innerType, path, found);
      break;
    default:
      break;
  }
  return found;
}

function set(target: Record<string, any>, key: string, value: unknown): Record<string, any> {
  // An array element's number: one element, complete but for that number (`chain.tasks.0.maxAgeHours`).
  if (key.startsWith('chain.tasks[]')) target.chain = { tasks: [{ name: 'Refresh Identity Cube' }] };
  const parts = key.replace('.*', '.standard').replace('[]', '.0').split('.');
  // A config has exactly one source: an isc key replaces the iiq section.
  if (parts[0] === 'isc' && target.iiq) {
    delete target.iiq;
    target.isc = { baseUrl: 'https://acme.api.identitynow.com' };
  }
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)!] = value;
  return target;
}

function errorOf(raw: unknown): string | undefined {
  try {
    parseConfig(raw, env, '/etc/watchdog', { routingKey: true });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe('config number bounds', () => {
  const numbers = numbersIn(configFileSchema, '', new Map());

  it('every number in the schema has a finite upper bound, and the bounds table lists exactly those keys', () => {
    expect(numbers.size).toBeGreaterThan(10);
    for (const [key, schema] of numbers) {
      expect(Number.isFinite(schema.maxValue), `${key} has no upper bound`).toBe(true);
      expect(Number.isFinite(schema.minValue), `${key} has no lower bound`).toBe(true);
    }
    expect([...numbers.keys()].sort()).toEqual(Object.keys(CONFIG_NUMBER_BOUNDS).sort());
  });

  it.each(Object.entries(CONFIG_NUMBER_BOUNDS) as [BoundedKey, NumberBound][])('%s', (key, bound) => {
    const shown = key.replace('.*', '.standard').replace('[]', '.0');
    expect(errorOf(set(minimal(), key, bound.max))).toBeUndefined();
    for (const tooBig of [bound.max + 1, 1e7]) {
      const message = errorOf(set(minimal(), key, tooBig));
      expect(message).toContain(`${shown}: ${describeBound(bound)}`);
      expect(message).not.toContain('\n');
    }
    expect(errorOf(set(minimal(), key, bound.minExclusive ? bound.min : bound.min - 1))).toContain(`${shown}: must be`);
    if (bound.integer) expect(errorOf(set(minimal(), key, bound.min + 1.5))).toContain(`${shown}: must be a whole number`);
  });

  it('a number too large for JSON (1e400 reads as Infinity) names the key', () => {
    const raw = parseJsonText(
      '{"iiq":{"baseUrl":"https://x","timeoutSeconds":1e400},"leaver":{"terminationDateAttribute":"d"},"slaHours":{"standard":8}}',
      'config.json',
    );
    expect(errorOf(raw)).toContain('iiq.timeoutSeconds: expected number, received Infinity');
  });

  it('keeps the documented message for a zero SLA', () => {
    expect(errorOf(set(minimal(), 'slaHours.*', 0))).toContain('slaHours.standard: must be a positive number of hours');
  });
});

describe('bounds through the built CLI', () => {
  let iiq: FakeIiq;
  let dir: string;
  beforeAll(async () => {
    iiq = await startFakeIiq({ identities: demoIdentities(new Date()) });
    dir = mkdtempSync(join(tmpdir(), 'watchdog-bounds-'));
  });
  afterAll(async () => {
    await iiq.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['pagerduty', { timeoutSeconds: 1e7 }, 'pagerduty.timeoutSeconds: must be a number greater than 0 and at most 120 (seconds)'],
    ['iiq', { timeoutSeconds: 1e7 }, 'iiq.timeoutSeconds: must be a number greater than 0 and at most 600 (seconds)'],
  ] as const)('%s %j: exit 2 naming the key, nothing contacted', async (section, values, expected) => {
    writeDemoConfig(dir, { iiq: iiq.url, pagerDuty: 'http://127.0.0.1:9/v2/enqueue' });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    Object.assign(config[section], values);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    iiq.resetStats();
    for (const command of [['run'], ['check'], ['run', '--dry-run']]) {
      const result = await runCli([...command, '--config', 'config.json'], { cwd: dir, env: { ...DEMO_ENV } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(expected);
    }
    expect(iiq.stats.requests).toBe(0);
  });
});

describe('docs/configure.md', () => {
  it('its bounds table matches the code', () => {
    const doc = readFileSync(new URL('../../docs/configure.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([^`]+)` \| (> )?(\d+) \| (\d+) \| (whole|any) \|/gm)].map((m) => [m[1]!.replace(/<[^>]+>/, '*'), m]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(CONFIG_NUMBER_BOUNDS).sort());
    for (const [key, bound] of Object.entries(CONFIG_NUMBER_BOUNDS) as [string, NumberBound][]) {
      const row = rows.get(key)!;
      expect([Boolean(row[2]), Number(row[3]), Number(row[4]), row[5]], key).toEqual([
        Boolean(bound.minExclusive),
        bound.min,
        bound.max,
        bound.integer ? 'whole' : 'any',
      ]);
    }
  });
});
