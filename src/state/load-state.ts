import type { Logger } from 'pino';
import { foldJournal, journalPathFor, parseJournal, readJournalText, removeJournal } from './journal.js';
import { readState, writeState, type StateRead, type WatchdogState } from './state-file.js';

/** The state a run starts from, and what journal recovery found. */
export interface LoadedState extends StateRead {
  /** Set when a journal left by an earlier run was folded in. */
  recovered?: { delivered: number; recorded: number; failed: number; unconfirmed: string[]; skippedLines: number };
}

/** How loadState may touch the files: a dry run reads only. */
export interface LoadOptions {
  logger: Logger;
  /** Write the folded state back and remove the journal (never over a corrupt file left in place). */
  write: boolean;
  moveCorruptAside: boolean;
}

/**
 * Reads the state file and folds in the journal an earlier run left (it was killed, or could not
 * write the state file). With `write`, the result is written back and the journal removed, so
 * the journal only ever holds the current run. Call under the run lock, before anything else.
 */
export async function loadState(statePath: string, now: Date, options: LoadOptions): Promise<LoadedState> {
  const read = await readState(statePath, now, { moveCorruptAside: options.moveCorruptAside });
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

/** Writes the state file, then removes the journal it now holds. Throws LocalFileError. */
export async function saveState(statePath: string, state: WatchdogState): Promise<void> {
  await writeState(statePath, state);
  await removeJournal(journalPathFor(statePath));
}
