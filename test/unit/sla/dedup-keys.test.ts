/** Dedup keys: at most 255 characters, never shared by two identities or two applications, and told apart by kind. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applicationDedupKey,
  applicationSlug,
  classifyDedupKey,
  HEALTH_DEDUP_KEY,
  identityDedupKey,
  MAX_DEDUP_KEY_CHARS,
  taskDedupKey,
} from '../../../src/sla/incident.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
// Any string: every script, lone surrogates, control characters, and ids far longer than a key.
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 200, maxLength: 600 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
);
const lookalikes = fc.oneof(
  anyText,
  anyText.map((s) => `app-${s}`),
  fc.constant('watchdog-health'),
  fc.tuple(anyText, fc.stringMatching(/^[0-9a-f]{32}$/)).map(([s, hex]) => `${s}~${hex}`),
  fc.integer({ min: 230, max: 260 }).map((n) => 'x'.repeat(n)),
);

describe('identityDedupKey', () => {
  it('keeps `iiq-leaver-sla-<id>` for ordinary ids (open incidents keep their key); identityDedupKey is the same function', () => {
    expect(identityDedupKey('0a1b2c3d4e5f60718293a4b5c6d7e8f9')).toBe('iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9');
    expect(identityDedupKey('x')).toBe(identityDedupKey('x'));
    const longest = 'y'.repeat(MAX_DEDUP_KEY_CHARS - 'iiq-leaver-sla-'.length);
    expect(identityDedupKey(longest)).toBe(`iiq-leaver-sla-${longest}`);
  });

  it('shortens a longer id with a hash of the whole id: 255 characters, the start of the id still readable', () => {
    const id = `${'a'.repeat(300)}-B`;
    const key = identityDedupKey(id);
    expect(key).toHaveLength(255);
    expect(key).toBe(`iiq-leaver-sla-${'a'.repeat(207)}~${sha(id).slice(0, 32)}`);
    expect(identityDedupKey(`${'a'.repeat(300)}-C`)).not.toBe(key);
  });

  it('hashes ids that would look like another kind of key', () => {
    for (const id of ['app-crm', 'watchdog-health', `x~${'0'.repeat(32)}`]) {
      expect(identityDedupKey(id)).toBe(`iiq-leaver-sla-${id}~${sha(id).slice(0, 32)}`);
      expect(classifyDedupKey(identityDedupKey(id))).toBe('identity');
    }
    expect(identityDedupKey('watchdog-health')).not.toBe(HEALTH_DEDUP_KEY);
  });

  it('never cuts a surrogate pair in half', () => {
    const key = identityDedupKey(`${'a'.repeat(206)}😀${'b'.repeat(100)}`);
    expect(key.length).toBeLessThanOrEqual(255);
    expect(key).toContain('a~');
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(key)).toBe(false);
  });

  it('property: at most 255 characters, classified as an identity, and distinct ids never share a key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(lookalikes, { minLength: 2, maxLength: 30 }), (ids) => {
        const keys = ids.map(identityDedupKey);
        for (const key of keys) {
          expect(key.length).toBeLessThanOrEqual(MAX_DEDUP_KEY_CHARS);
          expect(classifyDedupKey(key)).toBe('identity');
        }
        expect(new Set(keys).size).toBe(ids.length);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('applicationDedupKey', () => {
  it('is `iiq-leaver-sla-app-<ASCII slug ≤ 40>-<first 8 hex of sha256 of the exact name>`', () => {
    expect(applicationDedupKey('Active Directory')).toBe(`iiq-leaver-sla-app-active-directory-${sha('Active Directory').slice(0, 8)}`);
    expect(applicationDedupKey('SAP ERP (Prod) — EU')).toBe(`iiq-leaver-sla-app-sap-erp-prod-eu-${sha('SAP ERP (Prod) — EU').slice(0, 8)}`);
    expect(applicationSlug('Ünïcödé Sérvice')).toBe('unicode-service');
    expect(applicationSlug('Very Long Application Name '.repeat(5))).toHaveLength(40);
    expect(applicationSlug('a'.repeat(39) + ' b')).toBe('a'.repeat(39)); // no dash left dangling at the cut
  });

  it('gives applications in other scripts their own keys (they all slug to "unnamed")', () => {
    const names = ['人事システム', '会計システム', 'Кадры', 'الموارد البشرية'];
    const keys = names.map(applicationDedupKey);
    expect(new Set(keys).size).toBe(names.length);
    keys.forEach((key, i) => expect(key).toBe(`iiq-leaver-sla-app-unnamed-${sha(names[i]!).slice(0, 8)}`));
  });

  it('tells names apart that differ only in case, spacing or punctuation (same slug)', () => {
    expect(applicationDedupKey('Active Directory')).not.toBe(applicationDedupKey('active-directory'));
    expect(applicationDedupKey('SAP ERP')).not.toBe(applicationDedupKey('SAP  ERP'));
  });

  it('property: at most 255 characters (68 in fact), classified as an application, distinct names never share a key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyText, { minLength: 2, maxLength: 30 }), (names) => {
        const keys = names.map(applicationDedupKey);
        for (const key of keys) {
          expect(key.length).toBeLessThanOrEqual(68);
          expect(classifyDedupKey(key)).toBe('application');
        }
        expect(new Set(keys).size).toBe(names.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('property: an application key never equals an identity key or the health key', () => {
    fc.assert(
      fc.property(anyText, lookalikes, (name, id) => {
        expect(applicationDedupKey(name)).not.toBe(identityDedupKey(id));
        expect(applicationDedupKey(name)).not.toBe(HEALTH_DEDUP_KEY);
        expect(identityDedupKey(id)).not.toBe(HEALTH_DEDUP_KEY);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('classifyDedupKey', () => {
  it.each([
    [HEALTH_DEDUP_KEY, 'health'],
    ['iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'identity'],
    [applicationDedupKey('Salesforce'), 'application'],
    // Application keys written before 0.2 (no hash) still read as applications, so they resolve.
    ['iiq-leaver-sla-app-active-directory', 'application'],
    ['iiq-leaver-sla-app-unnamed', 'application'],
    // Characters a slug never has: an identity key of an old id starting with app-.
    ['iiq-leaver-sla-app-CRM.user', 'identity'],
    [identityDedupKey('app-crm'), 'identity'],
  ])('%s → %s', (key, kind) => {
    expect(classifyDedupKey(key)).toBe(kind);
  });
});

describe('taskDedupKey', () => {
  it('is `iiq-leaver-sla-task-<slug ≤ 40>-<8 hex of sha256 of the name>` and classifies as a task key', () => {
    const key = taskDedupKey('Refresh Identity Cube');
    expect(key).toBe(`iiq-leaver-sla-task-refresh-identity-cube-${sha('Refresh Identity Cube').slice(0, 8)}`);
    expect(classifyDedupKey(key)).toBe('task');
    const long = taskDedupKey('Perform Identity Request Maintenance '.repeat(3));
    expect(long.length).toBeLessThanOrEqual('iiq-leaver-sla-task-'.length + 40 + 9);
    expect(taskDedupKey('Aggregation – Workday')).not.toBe(taskDedupKey('Aggregation - Workday'));
  });

  it('no identity id ever makes a task key', () => {
    const taskKey = taskDedupKey('Refresh Identity Cube');
    const id = taskKey.slice('iiq-leaver-sla-'.length);
    expect(identityDedupKey(id)).not.toBe(taskKey);
    expect(classifyDedupKey(identityDedupKey(id))).toBe('identity');
    fc.assert(
      fc.property(
        fc.oneof(
          lookalikes,
          lookalikes.map((s) => `task-${s}`),
        ),
        (anyId) => {
          expect(classifyDedupKey(identityDedupKey(anyId))).toBe('identity');
        },
      ),
      { numRuns: RUNS },
    );
  });
});
