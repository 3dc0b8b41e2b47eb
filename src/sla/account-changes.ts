import { decideRecheck, type CleanVerification, type RecheckDecision, type RecheckInput } from './recheck.js';

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

/**
 * Pure: the verification an identity keeps when this cycle did not read its accounts completely
 * (its read failed, or an incomplete listing never reached it). An owner of a changed account
 * loses it, so the next cycle reads it even though the watermark has moved past the change.
 */
export function verificationKeptUnread(
  verification: CleanVerification | undefined,
  ownsChangedAccount: boolean,
): CleanVerification | undefined {
  return ownsChangedAccount ? undefined : verification;
}

/**
 * Pure: whether an identity the listing shows without an enabled account outside the excluded
 * applications (ISC's search document, minutes stale) is skipped. Not when an incident is open
 * (its accounts are read afresh), nor when it owns an account changed since the watermark (the
 * document may predate the change).
 */
export function skipOnListedAccounts(input: {
  listedNotDisabledApplications: readonly string[] | undefined;
  excludedApplications: ReadonlySet<string>;
  hasOpenIncident: boolean;
  ownsChangedAccount: boolean;
}): boolean {
  if (input.hasOpenIncident || input.ownsChangedAccount || input.listedNotDisabledApplications === undefined) return false;
  return input.listedNotDisabledApplications.every((application) => input.excludedApplications.has(application));
}

/** Whether to read an identity's accounts this cycle: the schedule's decision, or the listing's skip. */
export type AccountReadDecision = RecheckDecision | { read: false; reason: 'listed without enabled accounts' };

/**
 * Pure: read an identity past SLA (or with an open incident) this cycle, or skip it — on its
 * listing (ISC's search document shows no enabled account outside the excluded applications)
 * or as verified clean and not due. Either skip becomes a read, reason `account changed`, when
 * it owns an account changed since the watermark; an identity read anyway keeps its own reason.
 */
export function decideAccountRead(
  input: RecheckInput & { listedNotDisabledApplications: readonly string[] | undefined; excludedApplications: ReadonlySet<string> },
): AccountReadDecision {
  const ownsChangedAccount = input.ownsChangedAccount === true;
  if (skipOnListedAccounts({ ...input, ownsChangedAccount: false })) {
    return ownsChangedAccount ? { read: true, reason: 'account changed' } : { read: false, reason: 'listed without enabled accounts' };
  }
  return decideRecheck(input);
}
