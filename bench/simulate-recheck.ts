/**
 * The re-check schedule run on its own, cycle by cycle: identities verified clean
 * together at `startMs` (a first cycle), nothing changing, a cycle every `cycleMinutes`. Says how
 * many re-checks each cycle makes, and the longest any identity goes between two reads.
 */
import { recheckDueAtMs } from '../src/sla/read-plan.js';

/** What to simulate. */
export interface RecheckSimulationOptions {
  identityIds: readonly string[];
  recheckCleanHours: number;
  cycleMinutes: number;
  days: number;
  startMs: number;
}

/** What the simulation found. */
export interface RecheckSimulation {
  cycles: number;
  /** Re-checks per cycle, in order (cycle 1 is the first after the verifying one). */
  perCycle: number[];
  /** An even share: identities ÷ cycles per recheckCleanHours. */
  averageShare: number;
  maxPerCycle: number;
  /** The largest time between two reads of one identity, in hours. */
  maxGapHours: number;
}

/** Runs the pure schedule over `days` of cycles. */
export function simulateRecheck(o: RecheckSimulationOptions): RecheckSimulation {
  const cycleMs = o.cycleMinutes * 60_000;
  const cycles = Math.round((o.days * 24 * 60) / o.cycleMinutes);
  const verifiedAt = new Float64Array(o.identityIds.length).fill(o.startMs);
  const dueAt = Float64Array.from(o.identityIds, (id) => recheckDueAtMs(id, o.startMs, o.recheckCleanHours));
  const perCycle: number[] = [];
  let maxGapMs = 0;
  for (let c = 1; c <= cycles; c++) {
    const nowMs = o.startMs + c * cycleMs;
    let rechecks = 0;
    for (let i = 0; i < dueAt.length; i++) {
      if (nowMs < (dueAt[i] as number)) continue;
      rechecks += 1;
      maxGapMs = Math.max(maxGapMs, nowMs - (verifiedAt[i] as number));
      verifiedAt[i] = nowMs;
      dueAt[i] = recheckDueAtMs(o.identityIds[i] as string, nowMs, o.recheckCleanHours);
    }
    perCycle.push(rechecks);
  }
  const cyclesPerInterval = (o.recheckCleanHours * 60) / o.cycleMinutes;
  return {
    cycles,
    perCycle,
    averageShare: o.identityIds.length / cyclesPerInterval,
    maxPerCycle: Math.max(0, ...perCycle),
    maxGapHours: maxGapMs / 3_600_000,
  };
}
