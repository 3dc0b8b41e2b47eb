/**
 * How far before a cycle's start the next change read begins: the source stamps its changes
 * with its own clock, so a few minutes of skew between the two must not lose a change.
 */
export const CHANGE_WATERMARK_SKEW_MS = 15 * 60_000;

/** What the cycle does about accounts changed since the watermark, with its named reason. */
export type ChangeReadPlan =
  | { read: true; sinceMs: number; reason: 'changes since the watermark' }
  | { read: false; reason: 'the source cannot say which accounts changed' | 'first cycle: no watermark yet' };

/** Pure: read the accounts changed since the watermark, or nothing (no change read, or no watermark yet). */
export function planChangeRead(input: { changeReadSupported: boolean; watermarkMs: number | undefined }): ChangeReadPlan {
  if (!input.changeReadSupported) return { read: false, reason: 'the source cannot say which accounts changed' };
  if (input.watermarkMs === undefined) return { read: false, reason: 'first cycle: no watermark yet' };
  return { read: true, sinceMs: input.watermarkMs, reason: 'changes since the watermark' };
}

/** How this cycle's change read went. */
export type ChangeReadOutcome = 'read' | 'failed' | 'not read';

/** What the watermark becomes after a cycle, with its named reason. */
export interface WatermarkDecision {
  watermarkMs: number | undefined;
  reason:
    | 'advanced to this cycle start less the skew'
    | 'kept: a dry run records nothing'
    | 'kept: the change read failed'
    | 'kept: the clock is behind it'
    | 'set: first cycle'
    | 'none: the source cannot say which accounts changed';
}

/**
 * Pure: the watermark the next change read starts from. After a successful read, or on the first
 * cycle, this cycle's start less the skew; never earlier than it was (a clock stepped back keeps
 * the later one); unchanged by a dry run or a failed read, so the next successful read covers the
 * gap. A source without a change read keeps none (switching to one later starts afresh).
 */
export function decideWatermark(input: {
  previousMs: number | undefined;
  cycleStartMs: number;
  outcome: ChangeReadOutcome;
  changeReadSupported: boolean;
  dryRun: boolean;
}): WatermarkDecision {
  const { previousMs } = input;
  if (input.dryRun) return { watermarkMs: previousMs, reason: 'kept: a dry run records nothing' };
  if (!input.changeReadSupported) return { watermarkMs: undefined, reason: 'none: the source cannot say which accounts changed' };
  if (input.outcome === 'failed') return { watermarkMs: previousMs, reason: 'kept: the change read failed' };
  const candidateMs = input.cycleStartMs - CHANGE_WATERMARK_SKEW_MS;
  if (previousMs === undefined) return { watermarkMs: candidateMs, reason: 'set: first cycle' };
  if (candidateMs < previousMs) return { watermarkMs: previousMs, reason: 'kept: the clock is behind it' };
  return { watermarkMs: candidateMs, reason: 'advanced to this cycle start less the skew' };
}
