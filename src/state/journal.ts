/**
 * The journal of deliveries: what a delivered (or unanswered) event does to the book of open
 * incidents, the journal lines that record each intent and answer as it happens, the recorder
 * that writes them during a run, and the fold that replays them after a run was killed.
 */
import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { WatchdogError } from '../errors.js';
import type { HealthState } from '../sla/health.js';
import type { OpenIncident } from '../sla/incident.js';
import { stateChangeSchema, type IncidentFacts, type StateChange } from '../sla/state-change.js';
import type { OpenStorm } from '../sla/storm.js';
import type { OpenTaskIncident } from '../sla/chain-task.js';
import { auditRecord, auditResolve, type DeliveryAuditRecord } from './audit-log.js';
import { auditTaskResolve, auditTaskTrigger } from './audit-task.js';
import { guardLocalFile, localFileError, openRegularFile } from './local-file.js';
import { omitKeys } from '../omit-keys.js';
import { firstIssue } from '../parse/first-issue.js';

/** The part of the state that deliveries change: identity incidents, application incidents, health, chain tasks. */
export interface DeliveryBook {
  incidents: Record<string, OpenIncident>;
  storms: Record<string, OpenStorm>;
  health: HealthState;
  /** Open chain task incidents (IIQ tasks the Leaver chain depends on), apart from identity incidents; absent = none. */
  tasks?: Record<string, OpenTaskIncident>;
}

/**
 * What a delivery does to a book, as data: incidents and application incidents to put (a
 * record) or remove (undefined), the health to set, and the audit records it produces.
 */
export interface DeliveryEffect {
  incidents: [key: string, incident: OpenIncident | undefined][];
  storms: [key: string, storm: OpenStorm | undefined][];
  health?: HealthState;
  tasks?: [key: string, task: OpenTaskIncident | undefined][];
  audit: DeliveryAuditRecord[];
}

/**
 * "PagerDuty accepted this event at `sentAt`" (or a quiet change recorded at `sentAt`) as a
 * state change. Pure: returns a new book and never changes the one given. The cycle, journal
 * recovery and replay all go through deliveryEffect, which this applies.
 */
export function applyDelivery(
  book: Readonly<DeliveryBook>,
  change: StateChange,
  sentAt: string,
): { book: DeliveryBook; audit: DeliveryAuditRecord[] } {
  const effect = deliveryEffect(book, change, sentAt);
  return { book: withEffect(book, effect), audit: effect.audit };
}

/** A change whose answer a killed run never learnt, as a new book (see unconfirmedEffect). Pure. */
export function applyUnconfirmed(book: Readonly<DeliveryBook>, change: StateChange, at: string): DeliveryBook {
  return withEffect(book, unconfirmedEffect(book, change, at));
}

/** The one place that knows what a delivered change does to the state. Pure. */
export function deliveryEffect(book: Readonly<DeliveryBook>, change: StateChange, sentAt: string): DeliveryEffect {
  switch (change.kind) {
    case 'incident-open': {
      const incident = openedIncident(book.incidents[change.incident.dedupKey], change.incident, sentAt, change.coveredBy);
      return {
        incidents: [[incident.dedupKey, incident]],
        storms: [],
        audit: change.audit ? [auditRecord(incident, sentAt, 'trigger', change.reason)] : [],
      };
    }
    case 'incident-close': {
      // The state's own record is the most recent (first trigger instant); the carried one serves replay after a lost state.
      const closed = book.incidents[change.dedupKey] ?? change.incident;
      const audit = closed
        ? [{ ...auditResolve(closed, sentAt, change.reason), ...(change.coveredBy ? { covered_by: change.coveredBy } : {}) }]
        : [];
      return { incidents: [[change.dedupKey, undefined]], storms: [], audit };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      const effect: DeliveryEffect = {
        incidents: [],
        storms: [[storm.dedupKey, { ...storm, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt }]],
        audit: [],
      };
      for (const { reason, incident: facts } of change.cover) {
        const incident = openedIncident(book.incidents[facts.dedupKey], facts, sentAt, storm.dedupKey);
        effect.incidents.push([incident.dedupKey, incident]);
        effect.audit.push({ ...auditRecord(incident, sentAt, 'trigger', reason), covered_by: storm.dedupKey });
      }
      return effect;
    }
    case 'storm-close':
      return { incidents: [], storms: [[change.dedupKey, undefined]], audit: [] };
    case 'health':
      return { incidents: [], storms: [], health: { ...book.health, incidentOpen: change.incidentOpen }, audit: [] };
    case 'task-open': {
      const previous = book.tasks?.[change.task.dedupKey];
      const task: OpenTaskIncident = { ...change.task, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt };
      return { incidents: [], storms: [], tasks: [[task.dedupKey, task]], audit: [auditTaskTrigger(task, sentAt, change.reason)] };
    }
    case 'task-close': {
      const closed = book.tasks?.[change.dedupKey];
      return {
        incidents: [],
        storms: [],
        tasks: [[change.dedupKey, undefined]],
        audit: closed ? [auditTaskResolve(closed, sentAt, change.reason)] : [],
      };
    }
  }
}

/**
 * A change whose event was sent (or queued) by a run that died before it learnt the answer
 * (journal recovery). Whatever PagerDuty may have open is kept open, so it gets resolved:
 * a trigger is recorded `unconfirmed` (the next cycle re-sends it); a resolve leaves the
 * incident open (the next cycle resolves it again: PagerDuty drops a duplicate resolve); the
 * health incident is left as it was (re-paged if the watchdog still fails). Pure.
 */
export function unconfirmedEffect(book: Readonly<DeliveryBook>, change: StateChange, at: string): DeliveryEffect {
  switch (change.kind) {
    case 'incident-open': {
      const previous = book.incidents[change.incident.dedupKey];
      const incident: OpenIncident = {
        ...openedIncident(previous, change.incident, at, change.coveredBy),
        lastSentAt: previous?.lastSentAt ?? at,
        unconfirmed: true,
      };
      return { incidents: [[incident.dedupKey, incident]], storms: [], audit: [] };
    }
    case 'storm-open': {
      const { storm } = change;
      const previous = book.storms[storm.dedupKey];
      return {
        incidents: change.cover.map(({ incident: facts }) => [
          facts.dedupKey,
          openedIncident(book.incidents[facts.dedupKey], facts, at, storm.dedupKey),
        ]),
        storms: [
          [
            storm.dedupKey,
            { ...storm, firstSentAt: previous?.firstSentAt ?? at, lastSentAt: previous?.lastSentAt ?? at, unconfirmed: true },
          ],
        ],
        audit: [],
      };
    }
    case 'task-open': {
      const previous = book.tasks?.[change.task.dedupKey];
      const task: OpenTaskIncident = {
        ...change.task,
        firstSentAt: previous?.firstSentAt ?? at,
        lastSentAt: previous?.lastSentAt ?? at,
        unconfirmed: true,
      };
      return { incidents: [], storms: [], tasks: [[task.dedupKey, task]], audit: [] };
    }
    case 'incident-close':
    case 'storm-close':
    case 'task-close':
    case 'health':
      return { incidents: [], storms: [], audit: [] };
  }
}

/** Applies an effect to a book the caller owns, in place: O(size of the effect), not of the book. */
export function applyEffect(book: DeliveryBook, effect: DeliveryEffect): void {
  for (const [key, incident] of effect.incidents) {
    if (incident) book.incidents[key] = incident;
    else Reflect.deleteProperty(book.incidents, key);
  }
  for (const [key, storm] of effect.storms) {
    if (storm) book.storms[key] = storm;
    else Reflect.deleteProperty(book.storms, key);
  }
  if (effect.health) book.health = effect.health;
  for (const [key, task] of effect.tasks ?? []) {
    book.tasks ??= {};
    if (task) book.tasks[key] = task;
    else Reflect.deleteProperty(book.tasks, key);
  }
}

/** A copy of a book the caller may change in place (records are replaced, never edited). */
export function copyBook(book: Readonly<DeliveryBook>): DeliveryBook {
  return { incidents: { ...book.incidents }, storms: { ...book.storms }, health: book.health, tasks: { ...book.tasks } };
}

function withEffect(book: Readonly<DeliveryBook>, effect: DeliveryEffect): DeliveryBook {
  const next = {
    ...book,
    incidents: effect.incidents.length > 0 ? { ...book.incidents } : book.incidents,
    storms: effect.storms.length > 0 ? { ...book.storms } : book.storms,
  };
  if (effect.tasks && effect.tasks.length > 0) next.tasks = { ...book.tasks };
  applyEffect(next, effect);
  return next;
}

function openedIncident(
  previous: OpenIncident | undefined,
  facts: IncidentFacts,
  sentAt: string,
  coveredBy: string | undefined,
): OpenIncident {
  // Only the facts of the change: a stale `unconfirmed` or `coveredBy` of a record read back must not survive.
  const rest = omitKeys(facts as IncidentFacts & Partial<OpenIncident>, 'firstSentAt', 'lastSentAt', 'coveredBy', 'unconfirmed');
  return { ...rest, firstSentAt: previous?.firstSentAt ?? sentAt, lastSentAt: sentAt, ...(coveredBy ? { coveredBy } : {}) };
}

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

/** Parses journal text: its lines, and those skipped (a torn last line after a kill, foreign text). Pure. */
export function parseJournal(text: string): { lines: JournalLine[]; skipped: { line: number; problem: string }[] } {
  const parsed = { lines: [] as JournalLine[], skipped: [] as { line: number; problem: string }[] };
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

/**
 * Folds journal lines into the book, in order: delivered and recorded changes through
 * applyDelivery, events without an answer through applyUnconfirmed. Folding the same journal
 * twice gives the same book (a run killed between writing the state and removing the journal).
 * Returns the book and what folding did; `unconfirmed`: dedup keys of events sent (or queued)
 * whose answer the journal does not have. Pure.
 */
export function foldJournal(
  book: Readonly<DeliveryBook>,
  lines: readonly JournalLine[],
): { book: DeliveryBook; delivered: number; recorded: number; failed: number; unconfirmed: string[] } {
  const fold = { book: copyBook(book), delivered: 0, recorded: 0, failed: 0, unconfirmed: [] as string[] };
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

/** Removes the journal once the state file holds everything in it. */
export function removeJournal(path: string): Promise<void> {
  return guardLocalFile('remove the journal', path, () => rm(path, { force: true }));
}

/** An event the journal knows is about to go out. */
export interface DeliveryTicket {
  readonly seq: number;
  readonly change: StateChange;
}

/**
 * Records deliveries as they happen: the intent to send is journaled before any request,
 * and each answer before the cycle goes on; the in-memory book advances through applyDelivery.
 * A journal failure after PagerDuty accepted an event still advances the book (the event was
 * delivered), sets `failure` and calls `onFailure` so the caller starts nothing new.
 */
export class DeliveryRecorder {
  /** Ties this run's lines together (with `seq`). */
  readonly #run = `${process.pid}-${randomBytes(4).toString('hex')}`;
  /** The book with every recorded change applied (the recorder's own copy: read it, do not change it). */
  readonly book: DeliveryBook;
  #seq = 0;
  #queue: Promise<void> = Promise.resolve();
  /** The first journal write that failed: nothing more is appended (a torn line must stay the last one). */
  #writeFailure: Error | undefined;
  #failure: WatchdogError | undefined;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    book: DeliveryBook,
    private readonly onFailure: (error: WatchdogError) => void,
  ) {
    // The recorder's own copy, changed in place: O(1) per delivery however many incidents are open.
    this.book = copyBook(book);
  }

  /**
   * Opens (creates) `<statePath>.journal` for this run; the folder entry is synced so the file
   * survives a power loss. Throws LocalFileError.
   */
  static async open(
    statePath: string,
    book: DeliveryBook,
    onFailure: (error: WatchdogError) => void = () => undefined,
  ): Promise<DeliveryRecorder> {
    const path = journalPathFor(statePath);
    const handle = await guardLocalFile('create the journal', path, () => openRegularFile(path, 'append'));
    // fsync of a folder makes a newly created file's name durable on Linux; Windows has no such thing.
    try {
      const folder = await open(dirname(path), 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch {
      // Not supported here (Windows, some network file systems): the file's own fsync is what we have.
    }
    return new DeliveryRecorder(path, handle, book, onFailure);
  }

  /** The first journal write that failed after a delivery, if any (the run must end with exit 5). */
  get failure(): WatchdogError | undefined {
    return this.#failure;
  }

  /**
   * Journals the intent to send these events, in one fsynced write: for each, enough to say which
   * event it was. Throws LocalFileError: then nothing may be sent.
   */
  async intend(intents: readonly { dedupKey: string; eventAction: string; change: StateChange }[], at: string): Promise<DeliveryTicket[]> {
    const tickets = intents.map((intent) => ({ seq: (this.#seq += 1), change: intent.change }));
    await this.#append(
      intents.map((intent, i) => ({
        journal: 1,
        run: this.#run,
        seq: (tickets[i] ?? missingTicket()).seq,
        step: 'sending',
        at,
        dedup_key: intent.dedupKey,
        event_action: intent.eventAction,
        change: intent.change,
      })),
    );
    return tickets;
  }

  /** PagerDuty accepted the ticket's event: journaled, then applied. Returns the audit records to append; never throws. */
  async delivered(ticket: DeliveryTicket, sentAt: string): Promise<DeliveryAuditRecord[]> {
    const written = this.#append([{ journal: 1, run: this.#run, seq: ticket.seq, step: 'delivered', at: sentAt }]);
    await written.catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
    const effect = deliveryEffect(this.book, ticket.change, sentAt);
    applyEffect(this.book, effect);
    return effect.audit;
  }

  /** The ticket's event was dead-lettered or not sent: the state stays as it was. Never throws. */
  async failed(ticket: DeliveryTicket, at: string): Promise<void> {
    await this.#append([{ journal: 1, run: this.#run, seq: ticket.seq, step: 'failed', at }]).catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
  }

  /**
   * The ticket's event went out but no answer came: PagerDuty may have it open, so the state
   * keeps (or records) the incident as possibly open, and the next cycle re-sends or resolves
   * it. Never throws.
   */
  async unconfirmed(ticket: DeliveryTicket, at: string): Promise<void> {
    await this.#append([{ journal: 1, run: this.#run, seq: ticket.seq, step: 'unconfirmed', at }]).catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
    applyEffect(this.book, unconfirmedEffect(this.book, ticket.change, at));
  }

  /** Records changes that send nothing (identities under an application incident). Throws LocalFileError. */
  async record(changes: readonly StateChange[], at: string): Promise<DeliveryAuditRecord[]> {
    if (changes.length === 0) return [];
    await this.#append(changes.map((change) => ({ journal: 1, run: this.#run, seq: (this.#seq += 1), step: 'recorded', at, change })));
    const audit: DeliveryAuditRecord[] = [];
    for (const change of changes) {
      const effect = deliveryEffect(this.book, change, at);
      applyEffect(this.book, effect);
      audit.push(...effect.audit);
    }
    return audit;
  }

  /** Waits for pending journal writes and closes the journal (it stays on disk until the state file holds it). */
  async close(): Promise<void> {
    await this.#queue;
    await this.handle.close().catch(() => undefined);
  }

  /**
   * Appends and fsyncs `lines`, each batch in one write, one batch at a time and in order; throws
   * LocalFileError when they may not be on disk.
   */
  #append(lines: readonly JournalLine[]): Promise<void> {
    const write = this.#queue.then(async () => {
      if (this.#writeFailure) throw this.#writeFailure;
      try {
        await this.handle.appendFile(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
        await this.handle.datasync();
      } catch (error) {
        this.#writeFailure = localFileError('write the journal', this.path, error);
        throw this.#writeFailure;
      }
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  #fail(error: WatchdogError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.onFailure(error);
  }
}

/** For a ticket `intend` must have issued: one per intent, in order; its absence is a bug, not a condition. */
export function missingTicket(): never {
  throw new Error('DeliveryRecorder.intend returned fewer tickets than intents');
}
