import { rename } from 'node:fs/promises';
import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';
import { HEALTHY, type HealthState } from '../sla/health.js';
import type { RecordedExceptions } from '../sla/exception-audit.js';
import { openIncidentSchema, type OpenIncident } from '../sla/incident.js';
import type { OpenStorm } from '../sla/storm.js';
import { openTaskIncidentSchema, type OpenTaskIncident } from '../sla/chain-task.js';
import { writeFileAtomic } from './atomic-file.js';
import { guardLocalFile, localFileError } from './local-file.js';
import { readRegularFileText } from './regular-file.js';
import { emptyVerifiedClean, renderStateJson, verifiedCleanSchema, type VerifiedCleanState } from './verified-clean.js';
import { firstIssue } from '../parse/first-issue.js';
import { ownKeyRecord } from '../parse/own-key-record.js';

/** What the watchdog remembers between cycles. */
export interface WatchdogState {
  version: 1;
  /** Open identity incidents by dedup key. */
  incidents: Record<string, OpenIncident>;
  /** Identity id → ISO instant first seen inactive; kept only for identities without a usable termination date. */
  firstSeenInactive: Record<string, string>;
  /** The watchdog's own health. */
  health: HealthState;
  /** Open application incidents of storm control, by dedup key. */
  storms: Record<string, OpenStorm>;
  /** The instant the last cycle evaluated at (`--now` or the clock): a later cycle evaluating earlier resolves nothing. */
  lastEvaluatedAt?: string;
  /** Exceptions already audited, so each is recorded once. */
  exceptionsRecorded: RecordedExceptions;
  /** Identities verified clean and when: their accounts are re-read only when due. */
  verifiedClean: VerifiedCleanState;
  /** Where the next read of changed accounts starts, and what the last cycle read because of one; absent before the first. */
  accountChanges?: AccountChangesState;
  /** Open chain task incidents by dedup key (IIQ tasks the Leaver chain depends on). */
  tasks: Record<string, OpenTaskIncident>;
  /** Identity id → ISO instant of the latest processing request the source accepted; absent in files from before it existed. */
  processingRequested?: Record<string, string>;
}

/** The change read's watermark (ISO instant), and how many identities the last cycle read for reason `account changed`. */
export interface AccountChangesState {
  watermark: string;
  accountChangedReads: number;
}

const openStorm = z.object({
  dedupKey: z.string(),
  application: z.string(),
  severity: z.enum(['warning', 'error']),
  identityCount: z.number().int().min(0),
  firstSentAt: isoInstant,
  lastSentAt: isoInstant,
  unconfirmed: z.literal(true).optional(),
});

const stateSchema = z.object({
  version: z.literal(1),
  incidents: z.record(z.string(), openIncidentSchema),
  // Keyed by identity ids from the source: "__proto__" is an id like any other.
  firstSeenInactive: ownKeyRecord(isoInstant),
  health: z
    .object({ consecutiveFailures: z.number().int().min(0), lastError: z.string().optional(), incidentOpen: z.boolean() })
    .transform((health): HealthState => ({ ...health, lastError: health.lastError }))
    .default(HEALTHY),
  storms: z.record(z.string(), openStorm).default({}),
  lastEvaluatedAt: isoInstant.optional(),
  exceptionsRecorded: z.record(z.string(), isoInstant).default({}),
  verifiedClean: verifiedCleanSchema,
  // A malformed entry is dropped, not "corrupt": the next cycle then starts the watermark afresh.
  accountChanges: z
    .object({ watermark: isoInstant, accountChangedReads: z.number().int().min(0) })
    .optional()
    .catch(undefined),
  tasks: z.record(z.string(), openTaskIncidentSchema).default({}),
  // A malformed map is dropped, not "corrupt": at worst a stalled leaver is asked for once more.
  processingRequested: ownKeyRecord(isoInstant).optional().catch(undefined),
});

/** A fresh state: what the first run starts from. */
export function emptyState(): WatchdogState {
  return {
    version: 1,
    incidents: {},
    firstSeenInactive: Object.create(null) as Record<string, string>,
    health: HEALTHY,
    storms: {},
    exceptionsRecorded: {},
    verifiedClean: emptyVerifiedClean(),
    tasks: {},
  };
}

/** The state read, and what was wrong with a corrupt file (and where it was moved, unless a dry run). */
export interface StateRead {
  state: WatchdogState;
  corrupt?: { movedTo: string | undefined; reason: string };
}

/**
 * Reads the state file. Missing: empty state. Corrupt: moved aside to `<path>.corrupt-<time>`
 * and the cycle starts from IIQ's truth (and the journal). Unreadable (permissions, I/O, a
 * folder): LocalFileError, exit 5 — starting empty would forget open incidents.
 */
export async function readState(path: string, now: Date, options: { moveCorruptAside: boolean }): Promise<StateRead> {
  const corrupt = (reason: string): Promise<StateRead> =>
    options.moveCorruptAside
      ? moveAside(path, now, reason)
      : Promise.resolve({ state: emptyState(), corrupt: { movedTo: undefined, reason } });
  let text: string;
  try {
    const read = await readRegularFileText(path);
    if (read === undefined) return { state: emptyState() };
    text = read;
  } catch (error) {
    throw localFileError('read the state file', path, error);
  }
  let reason: string;
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: parsed.data };
    const { field, message } = firstIssue(parsed.error);
    reason = `unexpected content at ${field}: ${message}`;
  } catch {
    reason = 'not valid JSON';
  }
  return corrupt(reason);
}

/** Writes the state file atomically. Throws LocalFileError (exit 5) naming the path and the cause. */
export async function writeState(path: string, state: WatchdogState): Promise<void> {
  await guardLocalFile('write the state file', path, () => writeFileAtomic(path, renderStateJson(state)));
}

async function moveAside(path: string, now: Date, reason: string): Promise<StateRead> {
  const movedTo = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  await guardLocalFile('move the corrupt state file aside', path, () => rename(path, movedTo));
  return { state: emptyState(), corrupt: { movedTo, reason } };
}
