/**
 * Who is handed to the source for processing this cycle (opt-in `leaver.requestProcessing`): a
 * leaver the source still shows active, once `afterMinutes` have passed since its termination
 * instant, and again every 4 hours while it stays not started. Only an accepted request starts
 * the wait, so a failed one is simply due again next cycle. Pure: `nowMs` is passed in.
 */

/** Hours between two accepted requests for one leaver that stays not started. */
export const PROCESSING_REQUEST_INTERVAL_HOURS = 4;
const INTERVAL_MS = PROCESSING_REQUEST_INTERVAL_HOURS * 3_600_000;
const MINUTE_MS = 60_000;

/** A leaver the source still shows active, as the cycle saw it. */
export interface NotStartedLeaver {
  id: string;
  name: string;
  terminatedAtMs: number;
}

/** Why a leaver is, or is not, handed to the source this cycle. */
export type ProcessingRequestReason =
  | 'processing requests off'
  | 'too soon after termination'
  | 'first request'
  | 'interval since last request passed'
  | 'requested within the interval';

export interface ProcessingRequestVerdict {
  due: boolean;
  reason: ProcessingRequestReason;
}

export interface ProcessingRequestRule {
  /** `leaver.requestProcessing`. */
  enabled: boolean;
  /** `leaver.requestProcessingAfterMinutes`. */
  afterMinutes: number;
}

/** Whether one not-started leaver is due, given its latest accepted request (epoch ms) if any. */
export function processingRequestVerdict(
  leaver: Pick<NotStartedLeaver, 'terminatedAtMs'>,
  lastAcceptedMs: number | undefined,
  rule: ProcessingRequestRule,
  nowMs: number,
): ProcessingRequestVerdict {
  if (!rule.enabled) return { due: false, reason: 'processing requests off' };
  if (nowMs - leaver.terminatedAtMs < rule.afterMinutes * MINUTE_MS) return { due: false, reason: 'too soon after termination' };
  // An unreadable instant counts as no request: asking once too often is better than never again.
  if (lastAcceptedMs === undefined || !Number.isFinite(lastAcceptedMs)) return { due: true, reason: 'first request' };
  // A request "in the future" (clock stepped back) waits like any other: never a burst of requests.
  return nowMs - lastAcceptedMs >= INTERVAL_MS
    ? { due: true, reason: 'interval since last request passed' }
    : { due: false, reason: 'requested within the interval' };
}

/** The leavers due this cycle, in the order seen (each id once), from the state's latest accepted requests. */
export function planProcessingRequests(
  leavers: readonly NotStartedLeaver[],
  lastAccepted: Readonly<Record<string, string>>,
  rule: ProcessingRequestRule,
  nowMs: number,
): NotStartedLeaver[] {
  const seen = new Set<string>();
  const due: NotStartedLeaver[] = [];
  for (const leaver of leavers) {
    if (seen.has(leaver.id)) continue;
    seen.add(leaver.id);
    const last = Object.hasOwn(lastAccepted, leaver.id) ? Date.parse(lastAccepted[leaver.id] as string) : undefined;
    if (processingRequestVerdict(leaver, last, rule, nowMs).due) due.push(leaver);
  }
  return due;
}

/**
 * The latest accepted request per identity to keep: the previous ones, this cycle's accepted ones
 * over them, and — after a complete listing — only for identities still not started or with an
 * open incident (its trigger carries the instant). After an incomplete listing nothing is dropped.
 */
export function nextProcessingRequested(input: {
  previous: Readonly<Record<string, string>>;
  accepted: Readonly<Record<string, string>>;
  listingComplete: boolean;
  keep: (identityId: string) => boolean;
}): Record<string, string> {
  const next = Object.create(null) as Record<string, string>;
  for (const [id, at] of Object.entries(input.previous)) if (!input.listingComplete || input.keep(id)) next[id] = at;
  for (const [id, at] of Object.entries(input.accepted)) next[id] = at;
  return next;
}
