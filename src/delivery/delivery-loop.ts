import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { describeError, type WatchdogError } from '../errors.js';
import type { PagerDutyEvent } from '../pagerduty/events.js';
import type { PagerDutySender } from '../pagerduty/sender.js';
import type { StateChange } from '../sla/state-change.js';
import { DeliveryRecorder, type DeliveryBook, type DeliveryTicket } from '../state/journal.js';
import { appendAuditRecords } from '../state/audit-log.js';
import { appendDeadLetter } from '../state/dead-letter-file.js';
import { saveState, type WatchdogState } from '../state/state-file.js';

/** One event to deliver, and the state change its delivery makes (absent: an old dead-letter line that describes none). */
export interface PlannedDelivery {
  event: PagerDutyEvent;
  change: StateChange | undefined;
  /** Why it is sent, for the log line of its delivery. */
  reason?: string;
}

/**
 * What became of one planned delivery. `failed`: every attempt failed (dead-lettered when the
 * loop has a dead-letter file); `unconfirmed` there means it may be open in PagerDuty and is
 * recorded so. `not-sent`: never attempted, because the run is stopping (or the journal cannot be
 * written) or, where asked, PagerDuty already failed this run.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; attempts: number }
  | { kind: 'failed'; attempts: number; error: string; rejected: boolean; unconfirmed: boolean }
  | { kind: 'not-sent'; why: 'stopping' | 'unavailable' };

/** Everything the loop needs: where the state lives, the book it starts from, the sender. */
export interface DeliveryLoopOptions {
  statePath: string;
  auditPath: string;
  /** Where an event that still fails is appended; undefined: the caller keeps it (replay keeps its dead-letter line). */
  deadLetterPath: string | undefined;
  /** Incidents, application incidents and health as loaded: the journal's changes apply to a copy. */
  book: DeliveryBook;
  sender: PagerDutySender;
  logger: Logger;
  /** The instant a delivery is recorded at (the cycle's evaluation instant, or the clock for replay). */
  clock: () => Date;
  /** Aborts (reason `SIGTERM` / `SIGINT`) when the run must stop: no new request starts, what is in flight is recorded. */
  stop?: AbortSignal | undefined;
  /** Last resort when the dead-letter file cannot be written: the event goes to stderr in full. */
  writeStderr: (text: string) => void;
}

/**
 * The journaled delivery loop, the same for a cycle and for replay: each batch's intents are
 * journaled (one fsynced write) before any request; each answer is journaled and applied to the
 * book before the loop goes on (accepted: delivered and audited; unanswered: possibly open;
 * failed: dead-lettered or left to the caller). A journal that cannot be written stops new sends.
 */
export class DeliveryLoop {
  private constructor(
    private readonly options: DeliveryLoopOptions,
    private readonly recorder: DeliveryRecorder,
    private readonly halt: AbortController,
  ) {}

  /** The book with every recorded answer applied. */
  get book(): DeliveryBook {
    return this.recorder.book;
  }

  /** True once nothing new may start: the run is stopping, or the journal failed. */
  get stopping(): boolean {
    return this.halt.signal.aborted;
  }

  /** Records changes that send nothing (identities under an application incident), and audits them. Throws LocalFileError. */
  async record(changes: readonly StateChange[]): Promise<void> {
    const at = this.options.clock().toISOString();
    await appendAuditRecords(await this.recorder.record(changes, at), this.options.auditPath, this.options.logger);
  }

  /** Delivers a batch; outcomes are in the order of `planned`. Throws LocalFileError when the intents cannot be journaled. */
  async deliver(
    planned: readonly PlannedDelivery[],
    batch: {
      /** Deliveries in flight at once (the sender paces and limits on its own too); default: all. */
      concurrency?: number;
      /** Once an event fails for a reason other than PagerDuty refusing it, attempt no more in this batch. */
      stopWhenUnavailable?: boolean;
    } = {},
  ): Promise<DeliveryOutcome[]> {
    if (planned.length === 0) return [];
    if (this.stopping) return planned.map(() => ({ kind: 'not-sent', why: 'stopping' }));
    const recordable = planned.flatMap((p, index) => (p.change ? [{ index, change: p.change, event: p.event }] : []));
    const issued = await this.recorder.intend(
      recordable.map(({ event, change }) => ({ dedupKey: event.dedup_key, eventAction: event.event_action, change })),
      this.options.clock().toISOString(),
    );
    const tickets = new Map<number, DeliveryTicket>();
    recordable.forEach(({ index }, i) => {
      const ticket = issued[i];
      if (ticket) tickets.set(index, ticket);
    });
    const limit = pLimit(batch.concurrency ?? Math.max(1, planned.length));
    let unavailable = false;
    return Promise.all(
      planned.map((p, index) =>
        limit(async (): Promise<DeliveryOutcome> => {
          const ticket = tickets.get(index);
          if (unavailable || this.stopping) {
            if (ticket) await this.recorder.failed(ticket, this.options.clock().toISOString());
            return { kind: 'not-sent', why: unavailable ? 'unavailable' : 'stopping' };
          }
          const outcome = await this.#sendOne(p, ticket);
          if (batch.stopWhenUnavailable && outcome.kind === 'failed' && !outcome.rejected) unavailable = true;
          return outcome;
        }),
      ),
    );
  }

  async #sendOne(planned: PlannedDelivery, ticket: DeliveryTicket | undefined): Promise<DeliveryOutcome> {
    const { event } = planned;
    const { logger } = this.options;
    const result = await this.options.sender.send(event, this.halt.signal);
    const at = this.options.clock().toISOString();
    const about = { dedup_key: event.dedup_key, event_action: event.event_action, attempts: result.attempts };
    if (result.ok) {
      if (ticket) await appendAuditRecords(await this.recorder.delivered(ticket, at), this.options.auditPath, logger);
      logger.info({ ...about, ...(planned.reason ? { reason: planned.reason } : {}) }, 'PagerDuty event delivered');
      return { kind: 'delivered', attempts: result.attempts };
    }
    const unconfirmed = result.unconfirmed === true;
    if (ticket) await (unconfirmed ? this.recorder.unconfirmed(ticket, at) : this.recorder.failed(ticket, at));
    if (unconfirmed) logger.warn(about, 'PagerDuty event sent but never answered: recorded as possibly open, resolved once remediated');
    if (result.stopped) {
      logger.warn(about, 'PagerDuty event not sent: the run is stopping (the next cycle sends it)');
      return { kind: 'not-sent', why: 'stopping' };
    }
    if (this.options.deadLetterPath !== undefined) await this.#deadLetter(planned, result.attempts, result.error);
    return { kind: 'failed', attempts: result.attempts, error: result.error, rejected: result.rejected === true, unconfirmed };
  }

  async #deadLetter({ event, change }: PlannedDelivery, attempts: number, error: string): Promise<void> {
    const { logger, deadLetterPath = '' } = this.options;
    const letter = { failedAt: this.options.clock().toISOString(), attempts, error, event, ...(change ? { change } : {}) };
    logger.error(
      { dedup_key: event.dedup_key, event_action: event.event_action, attempts, error },
      'PagerDuty event undeliverable: dead-lettered',
    );
    try {
      await appendDeadLetter(deadLetterPath, letter);
    } catch (writeError) {
      logger.error(
        { path: deadLetterPath, error: describeError(writeError) },
        'dead-letter file could not be written: the event follows on stderr',
      );
      this.options.writeStderr(`${JSON.stringify({ deadLetter: letter })}\n`);
    }
  }

  /**
   * Opens the journal, runs `body`, closes the journal and writes `finalState(book, result)`
   * (which removes the journal). When the journal failed, the state is still written if it can
   * be, and the run then ends with the journal's LocalFileError (exit 5); when only the state
   * cannot be written, its LocalFileError (exit 5) — the journal stays for the next run to fold.
   */
  static async run<T>(
    options: DeliveryLoopOptions,
    body: (loop: DeliveryLoop) => Promise<T>,
    finalState: (book: DeliveryBook, result: T) => WatchdogState,
  ): Promise<{ result: T; book: DeliveryBook }> {
    const { logger, stop } = options;
    const halt = new AbortController();
    const forwardStop = (): void => halt.abort(stop?.reason);
    const recorder = await DeliveryRecorder.open(options.statePath, options.book, (error: WatchdogError) => {
      logger.error({ error: error.message }, 'the journal could not be written: no new event is sent');
      halt.abort(error);
    });
    const loop = new DeliveryLoop(options, recorder, halt);
    if (stop?.aborted) forwardStop();
    stop?.addEventListener('abort', forwardStop, { once: true });
    let result: T;
    try {
      result = await body(loop);
    } finally {
      stop?.removeEventListener('abort', forwardStop);
      await recorder.close();
    }
    try {
      await saveState(options.statePath, finalState(recorder.book, result));
    } catch (error) {
      if (!recorder.failure) throw error;
      logger.error({ error: describeError(error) }, 'the state file could not be written either: the next run folds the journal');
    }
    if (recorder.failure) throw recorder.failure;
    return { result, book: recorder.book };
  }
}
