import { hash52 } from '../../string-hash.js';

/**
 * A set of ids kept as 52-bit hashes in one Float64Array (open addressing): 240,000 account ids
 * take about 4 MB instead of about 20 MB as a Set of strings (peak RSS, docs/design.md, "Memory").
 * Two different ids share a hash with a probability of about n² / 2^53 (6 in a million for
 * 240,000): callers must treat a reported repeat as "maybe", never as proof.
 */
export class IdHashSet {
  #slots: Float64Array;
  #size = 0;

  constructor(expected = 1024) {
    this.#slots = new Float64Array(capacityFor(expected));
  }

  /** Adds an id; false when its hash was already there (the id was added before, most likely). */
  add(id: string): boolean {
    const hash = hash52(id);
    if (!this.#insert(this.#slots, hash)) return false;
    this.#size += 1;
    if (this.#size * 2 > this.#slots.length) this.#grow();
    return true;
  }

  /** Ids added. */
  get size(): number {
    return this.#size;
  }

  #insert(slots: Float64Array, hash: number): boolean {
    const mask = slots.length - 1;
    // 0 marks an empty slot; hash52 never returns 0.
    for (let i = hash % slots.length; ; i = (i + 1) & mask) {
      const slot = slots[i] as number;
      if (slot === 0) {
        slots[i] = hash;
        return true;
      }
      if (slot === hash) return false;
    }
  }

  #grow(): void {
    const bigger = new Float64Array(this.#slots.length * 2);
    for (const hash of this.#slots) if (hash !== 0) this.#insert(bigger, hash);
    this.#slots = bigger;
  }
}

function capacityFor(expected: number): number {
  let capacity = 1024;
  while (capacity < expected * 2) capacity *= 2;
  return capacity;
}
