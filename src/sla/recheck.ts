import { hash32 } from '../string-hash.js';
import { HOUR_MS } from './time-units.js';

/**
 * One identity verified clean, as kept in the state file: when (epoch seconds), and the
 * termination instant (epoch ms) and tier it was verified under. A tuple keeps 100,000 of them small.
 */
export type CleanVerification = readonly [verifiedAtSeconds: number, terminatedAtMs: number, tier: string];

/** Why an identity's accounts are read this cycle. */
export type ReadReason =
  | 'read every cycle'
  | 'not verified clean'
  | 'open incident'
  | 're-check due'
  | 'termination instant changed'
  | 'tier changed'
  | 'account changed';

/** Whether to read an identity's accounts this cycle, with its named reason. */
export type RecheckDecision = { read: true; reason: ReadReason } | { read: false; reason: 'verified clean'; dueAtMs: number };

/** What the decision looks at: the identity as listed now, its verification, and the clock of the cycle. */
export interface RecheckInput {
  identityId: string;
  verification: CleanVerification | undefined;
  terminatedAtMs: number;
  tier: string;
  hasOpenIncident: boolean;
  nowMs: number;
  /** `leaver.recheckCleanHours`; 0 = read every cycle. */
  recheckCleanHours: number;
  /** The source changed one of its accounts since the watermark: a skip becomes a read. */
  ownsChangedAccount?: boolean;
}

/**
 * Where in the second half of the interval a re-check falls: a fraction in [0, 1) from a hash of
 * the identity's id and the second it was verified. The verification instant is part of the hash
 * so that each round draws a new point: a fixed point per id would give each identity a fixed
 * period, and identities verified together would meet again at common multiples of their periods
 * (a simulated week bunched up to eight times the average share into one cycle).
 */
export function recheckFraction(identityId: string, verifiedAtSeconds: number): number {
  return hash32(`${identityId}\n${verifiedAtSeconds}`) / 2 ** 32;
}

/**
 * When a verification falls due: spread evenly over the second half of `recheckCleanHours`
 * after it, so identities verified together (the first cycle) are re-read over hours, not at once.
 */
export function recheckDueAtMs(identityId: string, verifiedAtMs: number, recheckCleanHours: number): number {
  const halfMs = (recheckCleanHours * HOUR_MS) / 2;
  return verifiedAtMs + halfMs + Math.floor(recheckFraction(identityId, Math.floor(verifiedAtMs / 1000)) * halfMs);
}

/** The due instant of a stored verification. */
export function verificationDueAtMs(identityId: string, verification: CleanVerification, recheckCleanHours: number): number {
  return recheckDueAtMs(identityId, verification[0] * 1000, recheckCleanHours);
}

/**
 * Pure: read an identity past SLA this cycle, or skip it as verified clean. Skipped only
 * when verified under the same termination instant and tier, with no open incident, and its
 * re-check not yet due; a verification from the future (the clock stepped back) is not trusted.
 * An account the source changed since the watermark turns the skip into a read.
 */
export function decideRecheck(input: RecheckInput): RecheckDecision {
  const { verification } = input;
  if (input.recheckCleanHours === 0) return { read: true, reason: 'read every cycle' };
  if (input.hasOpenIncident) return { read: true, reason: 'open incident' };
  if (!verification) return { read: true, reason: 'not verified clean' };
  if (verification[1] !== input.terminatedAtMs) return { read: true, reason: 'termination instant changed' };
  if (verification[2] !== input.tier) return { read: true, reason: 'tier changed' };
  const dueAtMs = verificationDueAtMs(input.identityId, verification, input.recheckCleanHours);
  if (input.nowMs >= dueAtMs || verification[0] * 1000 > input.nowMs) return { read: true, reason: 're-check due' };
  // Only an identity that would otherwise be skipped is read for this reason: nobody else is added.
  if (input.ownsChangedAccount) return { read: true, reason: 'account changed' };
  return { read: false, reason: 'verified clean', dueAtMs };
}

/** The verification to record after a complete read that found nothing enabled and nothing unknown. */
export function verifiedNow(nowMs: number, terminatedAtMs: number, tier: string): CleanVerification {
  return [Math.floor(nowMs / 1000), terminatedAtMs, tier];
}

/**
 * Whether verifications made under the excluded applications `before` still hold under `now`:
 * only while no application left the list (an account of a no-longer-excluded application counts now).
 */
export function verificationsStillHold(before: readonly string[], now: ReadonlySet<string>): boolean {
  return before.every((application) => now.has(application));
}

/**
 * How many stored verifications will be skipped at `nowMs` (not due, not from the future), for a
 * source choosing between per-identity and bulk reads before the listing says who changed.
 */
export function countNotDue(
  verifications: Readonly<Record<string, CleanVerification>>,
  nowMs: number,
  recheckCleanHours: number,
  hasOpenIncident: (identityId: string) => boolean,
): number {
  if (recheckCleanHours === 0) return 0;
  let notDue = 0;
  for (const [id, verification] of Object.entries(verifications)) {
    if (verification[0] * 1000 > nowMs || hasOpenIncident(id)) continue;
    if (nowMs < verificationDueAtMs(id, verification, recheckCleanHours)) notDue += 1;
  }
  return notDue;
}
