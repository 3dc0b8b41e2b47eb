/**
 * The state file: what the watchdog remembers between cycles, how it is read (a corrupt file is
 * moved aside and its open incidents rebuilt from the audit log), folded with the journal an
 * interrupted run left, and written back atomically.
 */
import { rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';
import { HEALTHY, type HealthState } from '../sla/health.js';
import { openIncidentSchema, type OpenIncident } from '../sla/incident.js';
import type { OpenStorm } from '../sla/storm.js';
import { openTaskIncidentSchema, type OpenTaskIncident } from '../sla/chain-task.js';
import type { CleanVerification } from '../sla/read-plan.js';
import { guardLocalFile, localFileError, readRegularFileText, writeFileAtomic } from './local-file.js';
import { foldJournal, journalPathFor, parseJournal, removeJournal } from './journal.js';
import { readOpenIncidentsFromAudit } from './rebuild-from-audit.js';
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
  exceptionsRecorded: Record<string, string>;
  /** Identities verified clean and when: their accounts are re-read only when due. */
  verifiedClean: VerifiedCleanState;
  /**
   * Where the next read of changed accounts starts (the watermark, an ISO instant), and how many
   * identities the last cycle read for reason `account changed`; absent before the first.
   */
  accountChanges?: { watermark: string; accountChangedReads: number };
  /** Open chain task incidents by dedup key (IIQ tasks the Leaver chain depends on). */
  tasks: Record<string, OpenTaskIncident>;
  /** Identity id → ISO instant of the latest processing request the source accepted; absent in files from before it existed. */
  processingRequested?: Record<string, string>;
}

/** The identities verified clean, and the excluded applications they were verified under. */
export interface VerifiedCleanState {
  /** `excludedApplications` at verification time: when one leaves the list, the verifications no longer hold. */
  excludedApplications: string[];
  /** Identity id → [verified at (epoch s), termination instant (epoch ms), tier]. */
  identities: Record<string, CleanVerification>;
}

/** Nothing verified yet. */
export function emptyVerifiedClean(): VerifiedCleanState {
  return { excludedApplications: [], identities: {} };
}

/** True for a well-formed [verified at (epoch s), termination instant (epoch ms), tier]. */
function isVerification(entry: unknown): entry is CleanVerification {
  if (!Array.isArray(entry) || entry.length !== 3) return false;
  const [verifiedAt, terminatedAt, tier] = entry as unknown[];
  return Number.isSafeInteger(verifiedAt) && typeof terminatedAt === 'number' && Number.isFinite(terminatedAt) && typeof tier === 'string';
}

/**
 * The verifications of the state file. A malformed entry is dropped, not fatal: a verification
 * only saves a read, so losing one costs one read, while a "corrupt" state file would cost every
 * open incident its history. A hand check, not z.tuple: 100,000 entries in milliseconds.
 */
const identitiesSchema = z.unknown().transform((value): Record<string, CleanVerification> => {
  const identities = Object.create(null) as Record<string, CleanVerification>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return identities;
  for (const [id, entry] of Object.entries(value)) if (isVerification(entry)) identities[id] = entry;
  return identities;
});

/** The `verifiedClean` section of the state file; absent in files written before it existed. */
export const verifiedCleanSchema = z
  .object({ excludedApplications: z.array(z.string()), identities: identitiesSchema })
  .catch(emptyVerifiedClean)
  .default(emptyVerifiedClean);

/**
 * The state file's text: indented like JSON.stringify(state, null, 2), except that each
 * verification takes one line (indented, 100,000 of them would take five lines each and 11 MB).
 * The section is appended last, outside any text from IIQ, so no identity data can shape it.
 */
export function renderStateJson(state: { version: number; verifiedClean: VerifiedCleanState }): string {
  const { verifiedClean, ...rest } = state;
  const text = JSON.stringify(rest, null, 2);
  // One native stringify, then a line break after each entry: 100,000 entries in about 100 ms,
  // where stringifying them one by one took several times that. `],"` only occurs between entries:
  // inside a JSON string a quote is always escaped.
  const compact = JSON.stringify(verifiedClean.identities);
  const identities = compact === '{}' ? '{}' : `{\n      ${compact.slice(1, -1).replaceAll('],"', '],\n      "')}\n    }`;
  const section = `"verifiedClean": {\n    "excludedApplications": ${JSON.stringify(verifiedClean.excludedApplications)},\n    "identities": ${identities}\n  }`;
  // `rest` always has `version`, so its text is "{\n  ...\n}": insert before the closing brace.
  return `${text.slice(0, -2)},\n  ${section}\n}\n`;
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

/**
 * Reads the state file. Missing: empty state. Corrupt: moved aside to `<path>.corrupt-<time>`
 * and the cycle starts from IIQ's truth (and the journal). Unreadable (permissions, I/O, a
 * folder): LocalFileError, exit 5 — starting empty would forget open incidents.
 */
export async function readState(path: string, now: Date, options: { moveCorruptAside: boolean }): Promise<LoadedState> {
  const corrupt = (reason: string): Promise<LoadedState> =>
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

async function moveAside(path: string, now: Date, reason: string): Promise<LoadedState> {
  const movedTo = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  await guardLocalFile('move the corrupt state file aside', path, () => rename(path, movedTo));
  return { state: emptyState(), corrupt: { movedTo, reason } };
}

/** The state a run starts from: what was wrong with a corrupt file (and where it was moved, unless a dry run), and what journal recovery found. */
export interface LoadedState {
  state: WatchdogState;
  corrupt?: { movedTo: string | undefined; reason: string };
  /** Set when the state file was corrupt and the open incidents were rebuilt from the audit log. */
  rebuilt?: { incidents: number; incomplete: string[] } | { error: string };
  /** Set when a journal left by an earlier run was folded in. */
  recovered?: { delivered: number; recorded: number; failed: number; unconfirmed: string[]; skippedLines: number };
}

/**
 * Reads the state file and folds in the journal an earlier run left (it was killed, or could not
 * write the state file). With `write`, the result is written back and the journal removed, so
 * the journal only ever holds the current run. Call under the run lock, before anything else.
 */
export async function loadState(
  statePath: string,
  now: Date,
  /** How the files may be touched: a dry run reads only. */
  options: {
    logger: Logger;
    /** Write the folded state back and remove the journal (never over a corrupt file left in place). */
    write: boolean;
    moveCorruptAside: boolean;
    /** The audit log: a corrupt state file's open incidents are rebuilt from it (absent: not rebuilt). */
    auditPath?: string;
  },
): Promise<LoadedState> {
  let read = await readState(statePath, now, { moveCorruptAside: options.moveCorruptAside });
  // After a corrupt state file: the open incidents every trigger without a later resolve in the
  // audit log stands for, so each still gets its resolve once remediated. An unreadable audit log
  // leaves the cycle with IIQ's truth alone, said loudly.
  if (read.corrupt && options.auditPath !== undefined) {
    try {
      const rebuild = await readOpenIncidentsFromAudit(options.auditPath);
      const incidents = Object.keys(rebuild.incidents).length;
      options.logger.warn(
        {
          path: options.auditPath,
          incidents,
          taskIncidents: Object.keys(rebuild.tasks).length,
          incomplete: rebuild.incomplete.slice(0, 20),
        },
        'open incidents rebuilt from the audit log (every trigger without a later resolve): each is resolved once remediated',
      );
      read = {
        ...read,
        state: { ...read.state, incidents: rebuild.incidents, tasks: rebuild.tasks },
        rebuilt: { incidents, incomplete: rebuild.incomplete },
      };
    } catch (error) {
      options.logger.error(
        { path: options.auditPath, error: (error as Error).message },
        'AUDIT LOG UNREADABLE: the open incidents of the corrupt state file could not be rebuilt; continuing from the source alone',
      );
      read = { ...read, rebuilt: { error: (error as Error).message } };
    }
  }
  const write = options.write && !(read.corrupt && read.corrupt.movedTo === undefined);
  const journalPath = journalPathFor(statePath);
  const text = await guardLocalFile('read the journal', journalPath, () => readRegularFileText(journalPath));
  if (text === undefined) return read;
  const parsed = parseJournal(text);
  if (parsed.lines.length === 0 && parsed.skipped.length === 0) {
    // A run stopped before it recorded anything: nothing to fold.
    if (write) await removeJournal(journalPath);
    return read;
  }
  const fold = foldJournal(
    { incidents: read.state.incidents, storms: read.state.storms, health: read.state.health, tasks: read.state.tasks },
    parsed.lines,
  );
  const state: WatchdogState = { ...read.state, ...fold.book };
  const recovered = {
    delivered: fold.delivered,
    recorded: fold.recorded,
    failed: fold.failed,
    unconfirmed: fold.unconfirmed,
    skippedLines: parsed.skipped.length,
  };
  options.logger.warn(
    {
      path: journalPath,
      ...recovered,
      unconfirmed: fold.unconfirmed.length,
      unconfirmedKeys: fold.unconfirmed.slice(0, 20),
      skipped: parsed.skipped.slice(0, 5),
    },
    'journal of an interrupted run folded into the state: events without a known answer are re-sent this cycle',
  );
  if (write) await saveState(statePath, state);
  return { ...read, state, recovered };
}

/** Writes the state file, then removes the journal it now holds. Throws LocalFileError. */
export async function saveState(statePath: string, state: WatchdogState): Promise<void> {
  await writeState(statePath, state);
  await removeJournal(journalPathFor(statePath));
}
