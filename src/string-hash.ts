/**
 * Fast, deterministic, non-cryptographic string hashes: FNV-1a accumulation with MurmurHash3's
 * finalizer (fmix32). For spreading and for compact sets, never for anything an attacker must not
 * forge. Plain JavaScript: no native object per call (40,000 sha256 objects a cycle held about
 * 10 MB of native memory until the next GC).
 */

const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SECOND_PRIME = 0x5bd1e995;

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash, evenly spread over [0, 2^32). */
export function hash32(value: string): number {
  let h = FNV_BASIS;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}

/** A 52-bit hash from two independent lanes, in [1, 2^52]: never 0. */
export function hash52(value: string): number {
  let a = FNV_BASIS;
  let b = FNV_BASIS ^ 0x9e3779b9;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, SECOND_PRIME);
  }
  const high = fmix32(a);
  const low = fmix32(b ^ high);
  return (high % 2 ** 20) * 2 ** 32 + low + 1;
}
