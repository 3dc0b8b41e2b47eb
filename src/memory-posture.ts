import { setFlagsFromString } from 'node:v8';

/** How far old space may grow past what survived the last full GC, in percent. */
export const HEAP_GROWING_PERCENT = 20;

/**
 * The flag the documented schedules (docs/schedulers, cron) give node before the script: the
 * young generation's size is fixed when V8 starts, so unlike the flags below it cannot be set from
 * inside. 16 MB a semi-space is what Node 20 and 22 use anyway; Node 24 sizes it from the host's
 * memory (64 MB on a host with 24 GB) and a cycle at 20,000 identities then peaked at about 205 MB
 * instead of 123 MB.
 */
export const SCHEDULE_NODE_FLAGS = ['--max-semi-space-size=16'] as const;

/** The V8 flags a cycle runs with (docs/design.md, "Memory"). */
export const MEMORY_FLAGS = [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--no-wasm-dynamic-tiering', '--no-wasm-tier-up'] as const;

// Heap or WebAssembly flags an operator passed to node (or in NODE_OPTIONS): theirs win, ours stay out.
const OPERATOR_FLAGS =
  /--(no[-_])?(heap[-_]growing[-_]percent|optimize[-_]for[-_]size|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size|wasm[-_]tier[-_]up|wasm[-_]dynamic[-_]tiering|liftoff)/;

/**
 * Keeps a cycle's peak memory near what it needs (docs/design.md, "Memory"). Measured at 20,000
 * identities (heap snapshots, --trace-gc): the live heap is about 30 MB, yet peak RSS was
 * 169-221 MB, for two reasons this changes:
 * - every identity's page, answer and parse outlive a few young-generation GCs, so old space fills
 *   with garbage, and V8's default (sized for long-lived servers on the host's memory) lets it grow
 *   to four times the live heap before a full GC. 20 % costs a few more full GCs of milliseconds
 *   each. Only the growing factor changes (V8 reads it at every GC): no limit, so a larger
 *   population still gets the heap it needs.
 * - undici parses HTTP with WebAssembly (llhttp), and V8 re-compiles its hot functions with its
 *   optimizing compiler in the background: a compile of about 30 MB that outlives a small cycle.
 *   The baseline compiler parses a few KB per answer fast enough.
 * Both are flags V8 reads when it needs them, so setting them here, before the first request, works.
 */
export function applyMemoryPosture(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((arg) => OPERATOR_FLAGS.test(arg)) || OPERATOR_FLAGS.test(nodeOptions)) return false;
  for (const flag of MEMORY_FLAGS) setFlagsFromString(flag);
  return true;
}
