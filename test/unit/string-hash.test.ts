/** The non-cryptographic hashes behind the re-check spread and the bulk read's duplicate check. */
import { describe, expect, it } from 'vitest';
import { IdHashSet } from '../../src/iiq/scim/id-hash-set.js';
import { hash32, hash52 } from '../../src/string-hash.js';

describe('hash32', () => {
  it('spreads near-identical inputs evenly over 64 buckets', () => {
    const buckets = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) buckets[hash32(`${i.toString(16).padStart(32, '0')}\n1795521600`) >>> 26]! += 1;
    expect(Math.min(...buckets)).toBeGreaterThan(850);
    expect(Math.max(...buckets)).toBeLessThan(1150);
  });
});

describe('hash52 and IdHashSet', () => {
  it('stays within [1, 2^52] and finds no two of 300,000 ids alike', () => {
    const set = new IdHashSet(10);
    // Collected and asserted once: 600,000 calls of expect took most of this test's time.
    const outOfRange: string[] = [];
    const alike: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      const id = i % 2 ? `${(i * 2654435761) % 2 ** 32}`.padStart(32, 'f') : `account-${i}`;
      const h = hash52(id);
      if (!(h >= 1 && h <= 2 ** 52 && Number.isInteger(h))) outOfRange.push(id);
      if (!set.add(id)) alike.push(id);
    }
    expect(outOfRange).toEqual([]);
    expect(alike).toEqual([]);
    expect(set.size).toBe(300_000);
  });

  it('reports an id added twice', () => {
    const set = new IdHashSet();
    expect(set.add('ff00aa11bb22cc33dd44ee55ff660077')).toBe(true);
    expect(set.add('ff00aa11bb22cc33dd44ee55ff660078')).toBe(true);
    expect(set.add('ff00aa11bb22cc33dd44ee55ff660077')).toBe(false);
    expect(set.size).toBe(2);
  });
});
