import type { Logger } from 'pino';
import { SourceReadError } from '../source/source-read-error.js';
import type { IdentitySource } from '../source/identity-source.js';
import { decideWatermark, planChangeRead, type ChangeReadOutcome } from '../sla/account-changes.js';
import type { WatchdogState } from '../state/state-file.js';

/** The change read's watermark and count, as the state keeps them. */
export type AccountChangesState = NonNullable<WatchdogState['accountChanges']>;

/** What this cycle's read of changed accounts found. */
export interface AccountChangesRead {
  outcome: ChangeReadOutcome;
  /** Owners of the accounts changed since the watermark; undefined when nothing was read. */
  owners: ReadonlySet<string> | undefined;
  /** The failure, when the read failed: exit 3 like any failed read. */
  error: SourceReadError | undefined;
  /** Whether the source can say which accounts changed at all (IIQ REST cannot). */
  supported: boolean;
}

/**
 * Reads the owners of the accounts the source changed since the watermark, before the listing.
 * A failed read is a value: nothing is added to the cycle's reads and the watermark stays, so
 * the next successful read covers the gap; it never makes the cycle read everyone.
 */
export async function readAccountChanges(
  source: IdentitySource,
  previous: AccountChangesState | undefined,
  logger: Logger,
): Promise<AccountChangesRead> {
  const supported = source.fetchChangedAccountOwners !== undefined;
  const plan = planChangeRead({ changeReadSupported: supported, watermarkMs: watermarkMsOf(previous) });
  if (!plan.read || !source.fetchChangedAccountOwners) {
    if (supported) logger.info({ reason: plan.reason }, 'changed accounts not read this cycle');
    return { outcome: 'not read', owners: undefined, error: undefined, supported };
  }
  const since = new Date(plan.sinceMs);
  try {
    const owners = await source.fetchChangedAccountOwners(since);
    logger.info(
      { since: since.toISOString(), owners: owners.size },
      'accounts changed since the watermark: their owners are read this cycle',
    );
    return { outcome: 'read', owners, error: undefined, supported };
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    logger.error(
      { since: since.toISOString(), error: error.message },
      'changed accounts could not be read: the watermark stays, and a re-enabled account is found by the next read that succeeds',
    );
    return { outcome: 'failed', owners: undefined, error, supported };
  }
}

/** What the state keeps after this cycle: the next change read's watermark, and this cycle's count. */
export function nextAccountChanges(input: {
  previous: AccountChangesState | undefined;
  read: AccountChangesRead;
  cycleStart: Date;
  dryRun: boolean;
  accountChangedReads: number;
}): AccountChangesState | undefined {
  const decision = decideWatermark({
    previousMs: watermarkMsOf(input.previous),
    cycleStartMs: input.cycleStart.getTime(),
    outcome: input.read.outcome,
    changeReadSupported: input.read.supported,
    dryRun: input.dryRun,
  });
  if (decision.watermarkMs === undefined) return undefined;
  return { watermark: new Date(decision.watermarkMs).toISOString(), accountChangedReads: input.accountChangedReads };
}

function watermarkMsOf(state: AccountChangesState | undefined): number | undefined {
  return state === undefined ? undefined : Date.parse(state.watermark);
}
