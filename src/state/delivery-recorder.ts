import type { WatchdogError } from '../errors.js';
import type { StateChange } from '../sla/state-change.js';
import { applyEffect, copyBook, deliveryEffect, unconfirmedEffect, type DeliveryBook } from './apply-delivery.js';
import type { DeliveryAuditRecord } from './audit-log.js';
import { JournalWriter, journalPathFor } from './journal.js';

/** An event the journal knows is about to go out. */
export interface DeliveryTicket {
  readonly seq: number;
  readonly change: StateChange;
}

/** What is about to be sent: enough for the journal to say which event it was. */
export interface Intent {
  dedupKey: string;
  eventAction: string;
  change: StateChange;
}

/**
 * Records deliveries as they happen: the intent to send is journaled before any request,
 * and each answer before the cycle goes on; the in-memory book advances through applyDelivery.
 * A journal failure after PagerDuty accepted an event still advances the book (the event was
 * delivered), sets `failure` and calls `onFailure` so the caller starts nothing new.
 */
export class DeliveryRecorder {
  #book: DeliveryBook;
  #seq = 0;
  #failure: WatchdogError | undefined;

  private constructor(
    private readonly journal: JournalWriter,
    book: DeliveryBook,
    private readonly onFailure: (error: WatchdogError) => void,
  ) {
    // The recorder's own copy, changed in place: O(1) per delivery however many incidents are open.
    this.#book = copyBook(book);
  }

  /** Opens `<statePath>.journal` for this run. Throws LocalFileError. */
  static async open(
    statePath: string,
    book: DeliveryBook,
    onFailure: (error: WatchdogError) => void = () => undefined,
  ): Promise<DeliveryRecorder> {
    return new DeliveryRecorder(await JournalWriter.open(journalPathFor(statePath)), book, onFailure);
  }

  /** The book with every recorded change applied (the recorder's own: read it, do not change it). */
  get book(): DeliveryBook {
    return this.#book;
  }

  /** The first journal write that failed after a delivery, if any (the run must end with exit 5). */
  get failure(): WatchdogError | undefined {
    return this.#failure;
  }

  /** Journals the intent to send these events, in one fsynced write. Throws LocalFileError: then nothing may be sent. */
  async intend(intents: readonly Intent[], at: string): Promise<DeliveryTicket[]> {
    const tickets = intents.map((intent) => ({ seq: (this.#seq += 1), change: intent.change }));
    await this.journal.append(
      intents.map((intent, i) => ({
        journal: 1,
        run: this.journal.run,
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
    const written = this.journal.append([{ journal: 1, run: this.journal.run, seq: ticket.seq, step: 'delivered', at: sentAt }]);
    await written.catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
    const effect = deliveryEffect(this.#book, ticket.change, sentAt);
    applyEffect(this.#book, effect);
    return effect.audit;
  }

  /** The ticket's event was dead-lettered or not sent: the state stays as it was. Never throws. */
  async failed(ticket: DeliveryTicket, at: string): Promise<void> {
    await this.journal.append([{ journal: 1, run: this.journal.run, seq: ticket.seq, step: 'failed', at }]).catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
  }

  /**
   * The ticket's event went out but no answer came: PagerDuty may have it open, so the state
   * keeps (or records) the incident as possibly open, and the next cycle re-sends or resolves
   * it. Never throws.
   */
  async unconfirmed(ticket: DeliveryTicket, at: string): Promise<void> {
    await this.journal.append([{ journal: 1, run: this.journal.run, seq: ticket.seq, step: 'unconfirmed', at }]).catch((error: unknown) => {
      this.#fail(error as WatchdogError);
    });
    applyEffect(this.#book, unconfirmedEffect(this.#book, ticket.change, at));
  }

  /** Records changes that send nothing (identities under an application incident). Throws LocalFileError. */
  async record(changes: readonly StateChange[], at: string): Promise<DeliveryAuditRecord[]> {
    if (changes.length === 0) return [];
    await this.journal.append(
      changes.map((change) => ({ journal: 1, run: this.journal.run, seq: (this.#seq += 1), step: 'recorded', at, change })),
    );
    const audit: DeliveryAuditRecord[] = [];
    for (const change of changes) {
      const effect = deliveryEffect(this.#book, change, at);
      applyEffect(this.#book, effect);
      audit.push(...effect.audit);
    }
    return audit;
  }

  /** Waits for pending journal writes and closes the journal (it stays on disk until the state file holds it). */
  close(): Promise<void> {
    return this.journal.close();
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
