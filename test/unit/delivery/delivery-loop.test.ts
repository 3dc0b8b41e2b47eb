/** The one journaled delivery loop (run and replay), with a fake sender and a temp state folder. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryLoop, type DeliveryLoopOptions, type PlannedDelivery } from '../../../src/delivery/delivery-loop.js';
import { ExitCode } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import type { DeliveryResult, PagerDutySender } from '../../../src/pagerduty/sender.js';
import { replayDeadLetters } from '../../../src/replay/replay.js';
import { Redactor } from '../../../src/secrets.js';
import { HEALTHY } from '../../../src/sla/health.js';
import type { StateChange } from '../../../src/sla/state-change.js';
import { journalPathFor, parseJournal } from '../../../src/state/journal.js';
import { emptyState, loadState } from '../../../src/state/state-file.js';
import { userFacts } from '../../helpers/sla-fixtures.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const folders: string[] = [];
afterEach(() => folders.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function setup(answer: (event: PagerDutyEvent, index: number, signal?: AbortSignal) => DeliveryResult | Promise<DeliveryResult>) {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-loop-'));
  folders.push(dir);
  const deadLetterPath = join(dir, 'dead_letter.jsonl');
  const sent: PagerDutyEvent[] = [];
  const sender: PagerDutySender = {
    send: (event, signal) => {
      sent.push(event);
      return Promise.resolve(answer(event, sent.length - 1, signal));
    },
  };
  const logs: { msg: string }[] = [];
  const logger = createLogger('debug', new Redactor(), { write: (text) => logs.push(JSON.parse(text) as { msg: string }) });
  const options: DeliveryLoopOptions = {
    statePath: join(dir, 'state.json'),
    auditPath: join(dir, 'audit.jsonl'),
    deadLetterPath,
    book: { incidents: {}, storms: {}, health: HEALTHY },
    sender,
    logger,
    clock: () => NOW,
    writeStderr: () => undefined,
  };
  const run = (planned: PlannedDelivery[], stop?: AbortSignal) =>
    DeliveryLoop.run(
      { ...options, stop },
      (loop) => loop.deliver(planned, { concurrency: 1 }),
      (book) => ({ ...emptyState(), ...book }),
    );
  const readState = () => JSON.parse(readFileSync(options.statePath, 'utf8')) as ReturnType<typeof emptyState>;
  const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : []);
  return { dir, deadLetterPath, options, sent, logs, run, readState, lines };
}

const trigger = (n: number): PlannedDelivery => {
  const change: StateChange = { kind: 'incident-open', reason: 'first breach', incident: userFacts(n), audit: true };
  return {
    event: {
      event_action: 'trigger',
      dedup_key: `iiq-leaver-sla-id${n}`,
      payload: { summary: `breach ${n}`, source: 'test', severity: 'warning' },
    } as PagerDutyEvent,
    change,
  };
};
const ok = (): DeliveryResult => ({ ok: true, attempts: 1 });

describe('DeliveryLoop', () => {
  it('an accepted event is journaled before the next send starts, then in the state, audited; the journal goes', async () => {
    const seenBeforeSend: string[][] = [];
    const t = setup(() => ok());
    const journal = journalPathFor(t.options.statePath);
    const sender = t.options.sender;
    t.options.sender = {
      send: (event, signal) => {
        seenBeforeSend.push(parseJournal(readFileSync(journal, 'utf8')).lines.map((l) => `${l.seq}:${l.step}`));
        return sender.send(event, signal);
      },
    };
    const { result } = await t.run([trigger(1), trigger(2)]);
    expect(result.map((o) => o.kind)).toEqual(['delivered', 'delivered']);
    // Both intents first (one fsynced write), then the first answer before the second request.
    expect(seenBeforeSend).toEqual([
      ['1:sending', '2:sending'],
      ['1:sending', '2:sending', '1:delivered'],
    ]);
    expect(Object.keys(t.readState().incidents).sort()).toEqual(['iiq-leaver-sla-id1', 'iiq-leaver-sla-id2']);
    expect(t.lines(t.options.auditPath)).toHaveLength(2);
    expect(existsSync(journal)).toBe(false);
  });

  it('a failing event is dead-lettered with its change, and its state left as it was', async () => {
    const t = setup((_, i) => (i === 0 ? { ok: false, attempts: 4, error: 'HTTP 500' } : ok()));
    const { result } = await t.run([trigger(1), trigger(2)]);
    expect(result).toEqual([
      { kind: 'failed', attempts: 4, error: 'HTTP 500', rejected: false, unconfirmed: false },
      { kind: 'delivered', attempts: 1 },
    ]);
    expect(Object.keys(t.readState().incidents)).toEqual(['iiq-leaver-sla-id2']);
    const [letter] = t.lines(t.deadLetterPath).map((l) => JSON.parse(l) as { event: PagerDutyEvent; change: StateChange });
    expect(letter?.event.dedup_key).toBe('iiq-leaver-sla-id1');
    expect(letter?.change.kind).toBe('incident-open');
  });

  it('an event sent but never answered is dead-lettered and recorded as possibly open (unconfirmed)', async () => {
    const t = setup(() => ({ ok: false, attempts: 4, error: 'network error: timeout', unconfirmed: true }));
    const { result } = await t.run([trigger(1)]);
    expect(result[0]).toMatchObject({ kind: 'failed', unconfirmed: true });
    expect(t.readState().incidents['iiq-leaver-sla-id1']).toMatchObject({ unconfirmed: true, identityId: 'id1' });
    expect(t.lines(t.deadLetterPath)).toHaveLength(1);
    expect(t.lines(t.options.auditPath)).toHaveLength(0);
  });

  it('interrupted mid-loop: the event in flight is recorded, nothing new starts, the rest is left to the next cycle', async () => {
    const stop = new AbortController();
    const t = setup((_, i) => {
      if (i === 0) stop.abort('SIGTERM');
      return ok();
    });
    const { result } = await t.run([trigger(1), trigger(2), trigger(3)], stop.signal);
    expect(result.map((o) => o.kind)).toEqual(['delivered', 'not-sent', 'not-sent']);
    expect(t.sent).toHaveLength(1);
    expect(Object.keys(t.readState().incidents)).toEqual(['iiq-leaver-sla-id1']);
    expect(t.lines(t.deadLetterPath)).toHaveLength(0);
  });

  it('a state file that cannot be written: LocalFileError (exit 5), and the journal keeps every accepted event for the next run', async () => {
    const t = setup(() => ok());
    // A folder where the state file should be: the atomic rename over it fails.
    mkdirSync(t.options.statePath);
    writeFileSync(join(t.options.statePath, 'keep'), '');
    await expect(t.run([trigger(1)])).rejects.toMatchObject({ exitCode: ExitCode.localFile });
    const journal = parseJournal(readFileSync(journalPathFor(t.options.statePath), 'utf8'));
    expect(journal.lines.map((l) => l.step)).toEqual(['sending', 'delivered']);
    rmSync(t.options.statePath, { recursive: true });
    const logger = createLogger('fatal', new Redactor(), { write: () => undefined });
    const loaded = await loadState(t.options.statePath, NOW, { logger, write: true, moveCorruptAside: true });
    expect(Object.keys(loaded.state.incidents)).toEqual(['iiq-leaver-sla-id1']);
  });

  it('replay goes through the same loop and never re-opens an incident resolved since', async () => {
    const t = setup(() => ok());
    const failedAt = '2026-11-24T10:00:00.000Z';
    const { event, change } = trigger(1);
    writeFileSync(t.deadLetterPath, `${JSON.stringify({ failedAt, attempts: 4, error: 'HTTP 500', event, change })}\n`);
    writeFileSync(
      t.options.auditPath,
      `${JSON.stringify({ sent_at: '2026-11-24T11:00:00.000Z', event_action: 'resolve', dedup_key: 'iiq-leaver-sla-id1', tier: 'standard' })}\n`,
    );
    const outcome = await replayDeadLetters({
      deadLetterPath: t.deadLetterPath,
      statePath: t.options.statePath,
      auditPath: t.options.auditPath,
      mode: { kind: 'deliver', sender: t.options.sender },
      concurrency: 1,
      logger: t.options.logger,
      alertAfterFailures: 3,
      clock: () => NOW,
    });
    expect(outcome.summary).toMatchObject({ superseded: 1, delivered: 0, remaining: 0 });
    expect(t.sent).toEqual([]);
    expect(existsSync(t.options.statePath) ? t.readState().incidents : {}).toEqual({});
  });

  it('a dry-run replay prints what it would send and changes nothing', async () => {
    const t = setup(() => ok());
    const { event, change } = trigger(1);
    const content = `${JSON.stringify({ failedAt: '2026-11-24T10:00:00.000Z', attempts: 4, error: 'HTTP 500', event, change })}\n`;
    writeFileSync(t.deadLetterPath, content);
    const printed: string[] = [];
    const outcome = await replayDeadLetters({
      deadLetterPath: t.deadLetterPath,
      statePath: t.options.statePath,
      auditPath: t.options.auditPath,
      mode: { kind: 'dry-run' },
      concurrency: 1,
      logger: t.options.logger,
      alertAfterFailures: 3,
      clock: () => NOW,
      writeStdout: (text) => printed.push(text),
    });
    expect(outcome).toMatchObject({ exitCode: ExitCode.deadLettered, summary: { notAttempted: 1, remaining: 1 } });
    expect(printed.map((text) => JSON.parse(text) as unknown)).toEqual([{ action: 'replay', line: 1, event }]);
    expect(t.sent).toEqual([]);
    expect(readFileSync(t.deadLetterPath, 'utf8')).toBe(content);
    expect(existsSync(t.options.statePath)).toBe(false);
  });
});
