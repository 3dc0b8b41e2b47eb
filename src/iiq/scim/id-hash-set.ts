/**
 * A set of ids kept as 52-bit hashes in one Float64Array (open addressing): 240,000 account ids
 * take about 4 MB instead of about 20 MB as a Set of strings (peak RSS, docs/steady-state.md).
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

/** Two FNV-1a 32-bit hashes (different offsets) folded into 52 bits, never 0. */
function hash52(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return ((a >>> 0) % 2 ** 20) * 2 ** 32 + (b >>> 0) + 1;
}
