/** The journal: fsynced lines written by a run, folded into the state by the next one (pure fold; real files for the writer). */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { Redactor } from '../../../src/secrets.js';
import type { IncidentFacts, StateChange } from '../../../src/sla/state-change.js';
import {
  DeliveryRecorder,
  foldJournal,
  journalPathFor,
  parseJournal,
  type DeliveryBook,
  type JournalLine,
} from '../../../src/state/journal.js';
import { emptyState, loadState, writeState } from '../../../src/state/state-file.js';
import { userFacts } from '../../helpers/sla-fixtures.js';

const T1 = '2026-11-24T12:00:00.000Z';
const T2 = '2026-11-24T12:15:00.000Z';
const EMPTY: DeliveryBook = { incidents: {}, storms: {}, health: { consecutiveFailures: 0, lastError: undefined, incidentOpen: false } };
const facts = (n: number): IncidentFacts => userFacts(n);
const trigger = (n: number): StateChange => ({ kind: 'incident-open', reason: 'first breach', incident: facts(n), audit: true });
const sending = (seq: number, change: StateChange, run = 'r1'): JournalLine => ({
  journal: 1,
  run,
  seq,
  step: 'sending',
  at: T1,
  dedup_key: `iiq-leaver-sla-id${seq}`,
  event_action: 'trigger',
  change,
});
const answer = (seq: number, step: 'delivered' | 'failed', run = 'r1'): JournalLine => ({ journal: 1, run, seq, step, at: T2 });
const text = (lines: JournalLine[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-journal-'));
  folders.push(dir);
  return dir;
}
const quietLogger = () => createLogger('fatal', new Redactor(), { write: () => undefined });

describe('parseJournal / foldJournal', () => {
  it('delivered changes apply at their delivery instant, failed ones not at all, unanswered ones as unconfirmed', () => {
    const lines = [sending(1, trigger(1)), sending(2, trigger(2)), sending(3, trigger(3)), answer(1, 'delivered'), answer(2, 'failed')];
    const fold = foldJournal(EMPTY, parseJournal(text(lines)).lines);
    expect(fold).toMatchObject({ delivered: 1, failed: 1, recorded: 0, unconfirmed: ['iiq-leaver-sla-id3'] });
    expect(fold.book.incidents['iiq-leaver-sla-id1']).toMatchObject({ firstSentAt: T2, lastSentAt: T2 });
    expect(fold.book.incidents['iiq-leaver-sla-id1']).not.toHaveProperty('unconfirmed');
    expect(fold.book.incidents['iiq-leaver-sla-id2']).toBeUndefined();
    expect(fold.book.incidents['iiq-leaver-sla-id3']).toMatchObject({ unconfirmed: true, firstSentAt: T1 });
  });

  it('recorded (quiet) changes apply; answers of different runs never pair up', () => {
    const recorded: JournalLine = { journal: 1, run: 'r1', seq: 9, step: 'recorded', at: T1, change: trigger(9) };
    const fold = foldJournal(EMPTY, [sending(1, trigger(1), 'r1'), answer(1, 'delivered', 'other-run'), recorded]);
    expect(fold.recorded).toBe(1);
    expect(fold.delivered).toBe(0);
    expect(Object.keys(fold.book.incidents).sort()).toEqual(['iiq-leaver-sla-id1', 'iiq-leaver-sla-id9']);
    expect(fold.book.incidents['iiq-leaver-sla-id1']?.unconfirmed).toBe(true);
  });

  it('skips a line torn by a kill (and foreign text), keeping every whole line', () => {
    const whole = text([sending(1, trigger(1)), answer(1, 'delivered')]);
    const parsed = parseJournal(`${whole}{"journal":1,"run":"r1","seq":2,"st\n{"foo":1}\n`);
    expect(parsed.lines).toHaveLength(2);
    expect(parsed.skipped.map((s) => s.line)).toEqual([3, 4]);
  });

  it('folding twice gives the same book (a run killed after writing the state, before removing the journal)', () => {
    const lines = [
      sending(1, trigger(1)),
      answer(1, 'delivered'),
      sending(2, { kind: 'incident-close', reason: 'accounts disabled', dedupKey: 'iiq-leaver-sla-id1' }),
      answer(2, 'delivered'),
      sending(3, trigger(3)),
    ];
    const once = foldJournal(EMPTY, lines).book;
    expect(foldJournal(once, lines).book).toEqual(once);
    expect(Object.keys(once.incidents)).toEqual(['iiq-leaver-sla-id3']);
  });
});

describe('journal files', () => {
  it('the recorder writes intents before sending and answers after; loadState folds them, writes the state and removes the journal', async () => {
    const dir = folder();
    const statePath = join(dir, 'state.json');
    await writeState(statePath, emptyState());
    const recorder = await DeliveryRecorder.open(statePath, EMPTY);
    // Two intents; only the first is answered before the run dies.
    const [first] = await recorder.intend(
      [1, 2].map((n) => ({ dedupKey: `iiq-leaver-sla-id${n}`, eventAction: 'trigger', change: trigger(n) })),
      T1,
    );
    const audit = await recorder.delivered(first!, T2);
    expect(audit).toHaveLength(1);
    expect(recorder.book.incidents['iiq-leaver-sla-id1']).toBeDefined();
    await recorder.close(); // the run dies here: the second event's answer never came
    expect(
      readFileSync(journalPathFor(statePath), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).step),
    ).toEqual(['sending', 'sending', 'delivered']);

    const loaded = await loadState(statePath, new Date(T2), { logger: quietLogger(), write: true, moveCorruptAside: true });
    expect(loaded.recovered).toMatchObject({ delivered: 1, unconfirmed: ['iiq-leaver-sla-id2'] });
    expect(Object.keys(loaded.state.incidents).sort()).toEqual(['iiq-leaver-sla-id1', 'iiq-leaver-sla-id2']);
    expect(existsSync(journalPathFor(statePath))).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(statePath, 'utf8')).incidents).sort()).toEqual(['iiq-leaver-sla-id1', 'iiq-leaver-sla-id2']);
  });

  it('a dry run folds in memory only: state file and journal stay as they were', async () => {
    const dir = folder();
    const statePath = join(dir, 'state.json');
    writeFileSync(journalPathFor(statePath), text([sending(1, trigger(1)), answer(1, 'delivered')]));
    const loaded = await loadState(statePath, new Date(T2), { logger: quietLogger(), write: false, moveCorruptAside: false });
    expect(Object.keys(loaded.state.incidents)).toEqual(['iiq-leaver-sla-id1']);
    expect(existsSync(statePath)).toBe(false);
    expect(existsSync(journalPathFor(statePath))).toBe(true);
  });

  it('a journal over a corrupt state file: the corrupt file is moved aside and the journal still brings its incidents back', async () => {
    const dir = folder();
    const statePath = join(dir, 'state.json');
    writeFileSync(statePath, '{"version":1,"incid');
    writeFileSync(journalPathFor(statePath), text([sending(1, trigger(1)), answer(1, 'delivered')]));
    const loaded = await loadState(statePath, new Date(T2), { logger: quietLogger(), write: true, moveCorruptAside: true });
    expect(loaded.corrupt?.movedTo).toBeDefined();
    expect(Object.keys(JSON.parse(readFileSync(statePath, 'utf8')).incidents)).toEqual(['iiq-leaver-sla-id1']);
  });

  it('an answer whose journal write fails still advances the book, and the recorder reports the failure once', async () => {
    const dir = folder();
    const statePath = join(dir, 'state.json');
    const failures: string[] = [];
    const recorder = await DeliveryRecorder.open(statePath, EMPTY, (error) => failures.push(error.message));
    const [ticket] = await recorder.intend([{ dedupKey: 'iiq-leaver-sla-id1', eventAction: 'trigger', change: trigger(1) }], T1);
    await recorder.close(); // the file handle is gone: every later write fails
    await recorder.delivered(ticket!, T2);
    await recorder.failed(ticket!, T2);
    expect(recorder.book.incidents['iiq-leaver-sla-id1']).toBeDefined();
    expect(failures).toHaveLength(1);
    expect(recorder.failure?.message).toMatch(/^cannot write the journal .*state\.json\.journal: /);
    expect(recorder.failure?.exitCode).toBe(5);
  });
});
