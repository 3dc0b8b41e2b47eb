import type { Logger } from 'pino';
import { foldJournal, journalPathFor, parseJournal, readJournalText, removeJournal } from './journal.js';
import { readOpenIncidentsFromAudit } from './rebuild-from-audit.js';
import { readState, writeState, type StateRead, type WatchdogState } from './state-file.js';

/** The state a run starts from, and what journal recovery found. */
export interface LoadedState extends StateRead {
  /** Set when the state file was corrupt and the open incidents were rebuilt from the audit log. */
  rebuilt?: { incidents: number; incomplete: string[] } | { error: string };
  /** Set when a journal left by an earlier run was folded in. */
  recovered?: { delivered: number; recorded: number; failed: number; unconfirmed: string[]; skippedLines: number };
}

/** How loadState may touch the files: a dry run reads only. */
export interface LoadOptions {
  logger: Logger;
  /** Write the folded state back and remove the journal (never over a corrupt file left in place). */
  write: boolean;
  moveCorruptAside: boolean;
  /** The audit log: a corrupt state file's open incidents are rebuilt from it (absent: not rebuilt). */
  auditPath?: string;
}

/**
 * Reads the state file and folds in the journal an earlier run left (it was killed, or could not
 * write the state file). With `write`, the result is written back and the journal removed, so
 * the journal only ever holds the current run. Call under the run lock, before anything else.
 */
export async function loadState(statePath: string, now: Date, options: LoadOptions): Promise<LoadedState> {
  const read = await rebuildIfCorrupt(await readState(statePath, now, { moveCorruptAside: options.moveCorruptAside }), options);
  const write = options.write && !(read.corrupt && read.corrupt.movedTo === undefined);
  const journalPath = journalPathFor(statePath);
  const text = await readJournalText(journalPath);
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

/**
 * After a corrupt state file: the open incidents every trigger without a later resolve in the
 * audit log stands for, so each still gets its resolve once remediated. An unreadable audit log
 * leaves the cycle with IIQ's truth alone, said loudly.
 */
async function rebuildIfCorrupt(read: StateRead, options: LoadOptions): Promise<LoadedState> {
  if (!read.corrupt || options.auditPath === undefined) return read;
  try {
    const rebuild = await readOpenIncidentsFromAudit(options.auditPath);
    const incidents = Object.keys(rebuild.incidents).length;
    options.logger.warn(
      { path: options.auditPath, incidents, taskIncidents: Object.keys(rebuild.tasks).length, incomplete: rebuild.incomplete.slice(0, 20) },
      'open incidents rebuilt from the audit log (every trigger without a later resolve): each is resolved once remediated',
    );
    return {
      ...read,
      state: { ...read.state, incidents: rebuild.incidents, tasks: rebuild.tasks },
      rebuilt: { incidents, incomplete: rebuild.incomplete },
    };
  } catch (error) {
    options.logger.error(
      { path: options.auditPath, error: (error as Error).message },
      'AUDIT LOG UNREADABLE: the open incidents of the corrupt state file could not be rebuilt; continuing from the source alone',
    );
    return { ...read, rebuilt: { error: (error as Error).message } };
  }
}

/** Writes the state file, then removes the journal it now holds. Throws LocalFileError. */
export async function saveState(statePath: string, state: WatchdogState): Promise<void> {
  await writeState(statePath, state);
  await removeJournal(journalPathFor(statePath));
}
