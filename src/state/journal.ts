import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { stateChangeSchema, type StateChange } from '../sla/state-change.js';
import { applyEffect, copyBook, deliveryEffect, unconfirmedEffect, type DeliveryBook } from './apply-delivery.js';
import { guardLocalFile, localFileError, openRegularFile, readRegularFileText } from './local-file.js';
import { firstIssue } from '../parse/first-issue.js';

/** The journal of a state file: `<state.path>.journal`. */
export function journalPathFor(statePath: string): string {
  return `${statePath}.journal`;
}

/**
 * One line of the journal (JSON lines, append-only, fsynced). `sending` is written before an
 * event goes out, `delivered` once PagerDuty accepted it, `failed` when it was dead-lettered or
 * not sent, `unconfirmed` when it went out but no answer came (it may be open in PagerDuty);
 * `recorded` is a change without an event. `run` + `seq` tie a line to its `sending`.
 */
export type JournalLine =
  | { journal: 1; run: string; seq: number; step: 'sending'; at: string; dedup_key: string; event_action: string; change: StateChange }
  | { journal: 1; run: string; seq: number; step: 'delivered' | 'failed' | 'unconfirmed'; at: string }
  | { journal: 1; run: string; seq: number; step: 'recorded'; at: string; change: StateChange };

const base = { journal: z.literal(1), run: z.string(), seq: z.number().int().min(0), at: z.string() };
const lineSchema: z.ZodType<JournalLine> = z.discriminatedUnion('step', [
  z.object({ ...base, step: z.literal('sending'), dedup_key: z.string(), event_action: z.string(), change: stateChangeSchema }),
  z.object({ ...base, step: z.enum(['delivered', 'failed', 'unconfirmed']) }),
  z.object({ ...base, step: z.literal('recorded'), change: stateChangeSchema }),
]);

/** The journal read back: its lines, and those skipped (a torn last line after a kill, foreign text). */
export interface ParsedJournal {
  lines: JournalLine[];
  skipped: { line: number; problem: string }[];
}

/** Parses journal text. Pure. */
export function parseJournal(text: string): ParsedJournal {
  const parsed: ParsedJournal = { lines: [], skipped: [] };
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      parsed.skipped.push({ line: index + 1, problem: 'not valid JSON (torn by a kill?)' });
      return;
    }
    const line = lineSchema.safeParse(json);
    if (line.success) parsed.lines.push(line.data);
    else parsed.skipped.push({ line: index + 1, problem: `unexpected content at ${firstIssue(line.error).field}` });
  });
  return parsed;
}

/** What folding a journal did. */
export interface JournalFold {
  book: DeliveryBook;
  delivered: number;
  recorded: number;
  failed: number;
  /** Dedup keys of events sent (or queued) whose answer the journal does not have. */
  unconfirmed: string[];
}

/**
 * Folds journal lines into the book, in order: delivered and recorded changes through
 * applyDelivery, events without an answer through applyUnconfirmed. Folding the same journal
 * twice gives the same book (a run killed between writing the state and removing the journal). Pure.
 */
export function foldJournal(book: Readonly<DeliveryBook>, lines: readonly JournalLine[]): JournalFold {
  const fold: JournalFold = { book: copyBook(book), delivered: 0, recorded: 0, failed: 0, unconfirmed: [] };
  // Changed in place (a copy): folding n lines costs O(n), not O(n × open incidents).
  const apply = (effect: Parameters<typeof applyEffect>[1]): void => applyEffect(fold.book, effect);
  const pending = new Map<string, Extract<JournalLine, { step: 'sending' }>>();
  for (const line of lines) {
    const id = `${line.run}:${line.seq}`;
    if (line.step === 'sending') pending.set(id, line);
    else if (line.step === 'recorded') {
      apply(deliveryEffect(fold.book, line.change, line.at));
      fold.recorded += 1;
    } else {
      const sending = pending.get(id);
      pending.delete(id);
      if (!sending) continue;
      if (line.step === 'delivered') {
        apply(deliveryEffect(fold.book, sending.change, line.at));
        fold.delivered += 1;
      } else if (line.step === 'unconfirmed') {
        apply(unconfirmedEffect(fold.book, sending.change, sending.at));
        fold.unconfirmed.push(sending.dedup_key);
      } else fold.failed += 1;
    }
  }
  for (const sending of pending.values()) {
    apply(unconfirmedEffect(fold.book, sending.change, sending.at));
    fold.unconfirmed.push(sending.dedup_key);
  }
  return fold;
}

/** The journal's text; undefined when there is none. Throws LocalFileError when it exists but cannot be read. */
export async function readJournalText(path: string): Promise<string | undefined> {
  try {
    return await readRegularFileText(path);
  } catch (error) {
    throw localFileError('read the journal', path, error);
  }
}

/** Removes the journal once the state file holds everything in it. */
export function removeJournal(path: string): Promise<void> {
  return guardLocalFile('remove the journal', path, () => rm(path, { force: true }));
}

/**
 * Appends journal lines, each batch in one write followed by fsync, one batch at a time and in
 * order. After a failed write nothing more is appended (a torn line must stay the last one).
 */
export class JournalWriter {
  readonly run = `${process.pid}-${randomBytes(4).toString('hex')}`;
  #queue: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens (creates) the journal for appending; the folder entry is synced so the file survives a power loss. */
  static async open(path: string): Promise<JournalWriter> {
    const handle = await guardLocalFile('create the journal', path, () => openRegularFile(path, 'append'));
    await syncFolder(dirname(path));
    return new JournalWriter(path, handle);
  }

  /** Appends and fsyncs `lines`; throws LocalFileError when they may not be on disk. */
  append(lines: readonly JournalLine[]): Promise<void> {
    const write = this.#queue.then(async () => {
      if (this.#failure) throw this.#failure;
      try {
        await this.handle.appendFile(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
        await this.handle.datasync();
      } catch (error) {
        this.#failure = localFileError('write the journal', this.path, error);
        throw this.#failure;
      }
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.handle.close().catch(() => undefined);
  }
}

// fsync of a folder makes a newly created file's name durable on Linux; Windows has no such thing.
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here (Windows, some network file systems): the file's own fsync is what we have.
  }
}
