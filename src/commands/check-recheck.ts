import type { Config } from '../config/config.js';
import { identityDedupKey } from '../sla/incident.js';
import { countNotDue, verificationsStillHold } from '../sla/read-plan.js';
import { readState } from '../state/state-file.js';

/** What `check` says about the re-check schedule, from the state file; nothing is read from IIQ for it. */
export interface RecheckOutlook {
  recheckCleanHours: number;
  /** Identities the state file holds as verified clean. */
  verifiedClean: number;
  /** Of those, how many a cycle started now would skip, and how many it would re-check. */
  skippedNow: number;
  recheckedNow: number;
  /** Why the verifications cannot be used (unreadable state file, an application left excludedApplications). */
  problem?: string;
  /** The read of changed accounts that catches a re-enabled account within a cycle. */
  changeRead: ChangeReadOutlook;
}

/** What `check` says about the change read, from the config and the state file. */
export interface ChangeReadOutlook {
  /** False for IIQ REST: no account listing, so the re-check is the only net there. */
  supported: boolean;
  /** The watermark the next change read starts from; undefined before the first cycle. */
  watermark?: string;
  /** Identities the last cycle read because one of their accounts changed. */
  accountChangedReads?: number;
}

/** Reads the state file (never moving or writing it) and counts what a cycle at `now` would skip and re-check. */
export async function describeRecheck(config: Config, now: Date): Promise<RecheckOutlook> {
  const recheckCleanHours = config.leaver.recheckCleanHours;
  const { state, corrupt } = await readState(config.state.path, now, { moveCorruptAside: false });
  const verifications = state.verifiedClean.identities;
  const verifiedClean = Object.keys(verifications).length;
  const supported = config.source.kind === 'isc' || config.source.api === 'scim';
  const changeRead: ChangeReadOutlook = supported && state.accountChanges ? { supported, ...state.accountChanges } : { supported };
  const base = { recheckCleanHours, verifiedClean, changeRead };
  if (corrupt)
    return {
      ...base,
      skippedNow: 0,
      recheckedNow: 0,
      problem: `state file ${corrupt.reason}: the next run moves it aside and reads every identity`,
    };
  if (!verificationsStillHold(state.verifiedClean.excludedApplications, new Set(config.excludedApplications))) {
    return {
      ...base,
      skippedNow: 0,
      recheckedNow: verifiedClean,
      problem: 'an application left excludedApplications since the verifications: the next run reads every identity past SLA',
    };
  }
  const skippedNow = countNotDue(verifications, now.getTime(), recheckCleanHours, (id) => identityDedupKey(id) in state.incidents);
  return { ...base, skippedNow, recheckedNow: verifiedClean - skippedNow };
}

/** The `re-check` line of `check`'s text output. */
export function formatRecheckLine(outlook: RecheckOutlook): string {
  if (outlook.recheckCleanHours === 0) return 'off (leaver.recheckCleanHours 0): every identity past SLA is read every cycle';
  const head = `every ${outlook.recheckCleanHours} h: ${outlook.verifiedClean} identities verified clean`;
  const tail = `a cycle now skips ${outlook.skippedNow} and re-checks ${outlook.recheckedNow}`;
  return outlook.problem ? `${head}; ${tail}; NOTE: ${outlook.problem}` : `${head}; ${tail}`;
}

/** The `changed accounts` line of `check`'s text output. */
export function formatChangeReadLine(outlook: ChangeReadOutlook): string {
  if (!outlook.supported)
    return "not read: IIQ REST cannot list changed accounts, so a re-enabled account is found at its identity's next re-check";
  if (outlook.watermark === undefined) return 'read every cycle; no watermark yet (the next cycle sets it and reads nothing)';
  return `read every cycle; the next read starts at ${outlook.watermark}; the last cycle read ${outlook.accountChangedReads ?? 0} identities because an account changed`;
}
