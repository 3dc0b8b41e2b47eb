import { setFlagsFromString } from 'node:v8';

/** How far old space may grow past what survived the last full GC, in percent. */
export const HEAP_GROWING_PERCENT = 20;

// Heap flags an operator may pass to node (or in NODE_OPTIONS): theirs win.
const OPERATOR_HEAP_FLAGS = /--(heap[-_]growing[-_]percent|optimize[-_]for[-_]size|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/**
 * Keeps a cycle's peak memory near its live heap (docs/steady-state.md). A cycle is a short batch
 * job: its live heap is small (about 30 MB at 20,000 identities), but every identity's page,
 * answer and parse outlive a few young-generation GCs, so old space fills with garbage. V8's
 * default, sized for long-lived servers on the host's memory, lets old space grow to four times
 * the live heap before a full GC (169-221 MB peak RSS measured); 20 % keeps it under 140 MB for a
 * few more full GCs of a few milliseconds each. Only the growing factor changes, which V8 reads
 * at every GC: no limit, so a larger population still gets the heap it needs.
 */
export function applyHeapPosture(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (execArgv.some((arg) => OPERATOR_HEAP_FLAGS.test(arg)) || OPERATOR_HEAP_FLAGS.test(nodeOptions)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
