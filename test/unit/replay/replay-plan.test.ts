/** Replay: which dead-letter lines are superseded (pure, table-driven), and the glue on real files with a stub sender. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import type { DeadLetter } from '../../../src/state/dead-letter-file.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { addToHistory, planReplay, type IncidentHistory } from '../../../src/replay/replay-plan.js';
import { parseDeadLetters } from '../../../src/state/dead-letter-file.js';
import { replayDeadLetters } from '../../../src/replay/replay.js';
import type { DeliveryResult, PagerDutySender } from '../../../src/pagerduty/sender.js';
import { Redactor } from '../../../src/secrets.js';
import type { HealthState } from '../../../src/sla/health.js';
import type { OpenIncident } from '../../../src/sla/incident.js';
import type { OpenStorm } from '../../../src/sla/storm.js';
import type { AuditRecord } from '../../../src/state/audit-log.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { janeIncident } from '../../helpers/sla-fixtures.js';

const KEY = 'iiq-leaver-sla-0a1b';
const T0 = '2026-11-24T12:00:00.000Z';
const before = '2026-11-24T11:00:00.000Z';
const after = '2026-11-24T13:00:00.000Z';

function trigger(key = KEY, applications = ['Active Directory', 'Salesforce']): PagerDutyEvent {
  return {
    event_action: 'trigger',
    dedup_key: key,
    payload: {
      summary: 'Leaver SLA breach: Jane Doe has 2 active accounts 5.2h after termination (privileged SLA 4h)',
      source: 'iiq.example.com',
      severity: 'warning',
      timestamp: T0,
      component: 'identityiq',
      group: 'privileged',
      class: 'leaver-sla-breach',
      custom_details: {
        identity_name: 'jdoe',
        identity_id: key.replace('iiq-leaver-sla-', ''),
        termination_date: '2026-11-24T06:48:00.000Z',
        termination_date_source: 'iiq-attribute',
        elapsed_hours: 5.2,
        sla_hours: 4,
        sla_deadline: '2026-11-24T10:48:00.000Z',
        tier: 'privileged',
        active_applications: applications,
        active_account_count: applications.length,
      },
    },
    links: [{ href: 'https://iiq.example.com/identityiq/identities/0a1b', text: 'Identity in IdentityIQ' }],
    client: 'iiq-leaver-sla-watchdog',
  };
}
const resolve = (key = KEY): PagerDutyEvent => ({ event_action: 'resolve', dedup_key: key });
const letter = (event: PagerDutyEvent, failedAt = T0): DeadLetter => ({ failedAt, attempts: 4, error: 'HTTP 500', event });
/** The line as a cycle of version 0.2 writes it: the event and the change its delivery makes. */
function withChange(l: DeadLetter): DeadLetter {
  const { dedupKey, identityId, identityName, tier, slaHours, terminationDate, terminationSource, slaDeadline } = incident(T0);
  const applications = l.event.payload?.custom_details.active_applications as string[];
  const facts = {
    dedupKey,
    identityId,
    identityName,
    displayName: 'Jane Doe',
    tier,
    slaHours,
    severity: 'warning' as const,
    activeApplications: applications,
    activeAccountCount: applications.length,
    terminationDate,
    terminationSource,
    slaDeadline,
  };
  return { ...l, change: { kind: 'incident-open', reason: 'first breach', incident: facts, audit: true } };
}
const HEALTHY_STATE: HealthState = { consecutiveFailures: 0, lastError: undefined, incidentOpen: false };
const line = (l: DeadLetter | string): string => (typeof l === 'string' ? l : JSON.stringify(l));

function incident(lastSentAt: string, key = KEY): OpenIncident {
  return janeIncident({
    dedupKey: key,
    identityId: key.replace('iiq-leaver-sla-', ''),
    terminationDate: '2026-11-24T06:48:00.000Z',
    slaDeadline: '2026-11-24T10:48:00.000Z',
    firstSentAt: '2026-11-24T10:50:00.000Z',
    lastSentAt,
  });
}
function audit(action: 'trigger' | 'resolve', sentAt: string, key = KEY): AuditRecord {
  const { dedupKey, identityId, identityName, tier, slaHours, slaDeadline, terminationDate, activeApplications, activeAccountCount } =
    incident(sentAt, key);
  return {
    sent_at: sentAt,
    event_action: action,
    reason: 'test',
    dedup_key: dedupKey,
    identity_id: identityId,
    identity_name: identityName,
    tier,
    severity: 'warning',
    termination_date: terminationDate,
    sla_hours: slaHours,
    sla_deadline: slaDeadline,
    active_applications: activeApplications,
    active_account_count: activeAccountCount,
  };
}
function historyOf(records: AuditRecord[], keys = [KEY]): Map<string, IncidentHistory> {
  const histories = new Map<string, IncidentHistory>(keys.map((k) => [k, {}]));
  for (const record of records) addToHistory(histories, record);
  return histories;
}

const HEALTH = 'iiq-leaver-sla-watchdog-health';
const STORM = 'iiq-leaver-sla-app-salesforce';
const failing = { consecutiveFailures: 3, lastError: 'x', incidentOpen: false };
const healthy = { consecutiveFailures: 0, lastError: undefined, incidentOpen: false };
const storm = (lastSentAt: string): OpenStorm => ({
  dedupKey: STORM,
  application: 'Salesforce',
  severity: 'warning',
  identityCount: 30,
  firstSentAt: before,
  lastSentAt,
});
const covered = (sentAt: string): AuditRecord => ({ ...audit('trigger', sentAt), covered_by: STORM });
const healthTrigger: PagerDutyEvent = {
  event_action: 'trigger',
  dedup_key: HEALTH,
  payload: {
    summary: 'watchdog failing',
    source: 's',
    severity: 'error',
    timestamp: T0,
    component: 'c',
    group: 'g',
    class: 'k',
    custom_details: {},
  },
};

describe('planReplay', () => {
  const cases: {
    name: string;
    letters: DeadLetter[];
    incidents?: Record<string, OpenIncident>;
    storms?: Record<string, OpenStorm>;
    health?: HealthState;
    audit?: AuditRecord[];
    expected: string[];
  }[] = [
    { name: 'a trigger nothing happened to since is sent', letters: [letter(trigger())], expected: ['send'] },
    {
      name: 'a trigger whose incident was resolved since is dropped (never re-opened)',
      letters: [letter(trigger())],
      audit: [audit('trigger', before), audit('resolve', after)],
      expected: ['drop: incident resolved since: not re-opened'],
    },
    {
      name: 'a trigger re-sent since (audit) is dropped',
      letters: [letter(trigger())],
      audit: [audit('trigger', after)],
      expected: ['drop: incident re-sent since (audit log)'],
    },
    {
      name: 'a trigger re-sent since (state only: the audit write failed) is dropped',
      letters: [letter(trigger())],
      incidents: { [KEY]: incident(after) },
      expected: ['drop: incident re-sent since (state file)'],
    },
    {
      name: 'a trigger after an earlier resolve is a new breach: sent',
      letters: [letter(trigger())],
      audit: [audit('trigger', before), audit('resolve', before)],
      expected: ['send'],
    },
    {
      name: 'a trigger re-triggering an incident open since before it failed is sent',
      letters: [letter(trigger())],
      incidents: { [KEY]: incident(before) },
      audit: [audit('trigger', before)],
      expected: ['send'],
    },
    {
      name: 'a resolve already delivered is dropped',
      letters: [letter(resolve())],
      audit: [audit('resolve', after)],
      expected: ['drop: resolve already delivered'],
    },
    {
      name: 'a resolve overtaken by a newer trigger is dropped (it would close the new incident)',
      letters: [letter(resolve())],
      incidents: { [KEY]: incident(after) },
      audit: [audit('trigger', after)],
      expected: ['drop: incident re-sent since (audit log)'],
    },
    { name: 'a pending resolve is sent', letters: [letter(resolve())], incidents: { [KEY]: incident(before) }, expected: ['send'] },
    {
      name: 'an older line of the same incident is superseded by the later one',
      letters: [letter(trigger(), before), letter(resolve())],
      incidents: { [KEY]: incident(before) },
      expected: ['drop: superseded by line 2 for the same incident', 'send'],
    },
    {
      name: 'a health trigger while the watchdog still fails and no health incident is open is sent',
      letters: [letter(healthTrigger)],
      health: failing,
      expected: ['send'],
    },
    {
      name: 'a health trigger after the watchdog recovered is dropped',
      letters: [letter(healthTrigger)],
      health: healthy,
      expected: ['drop: watchdog healthy since'],
    },
    {
      name: 'a health trigger whose incident was opened since is dropped',
      letters: [letter(healthTrigger)],
      health: { ...failing, incidentOpen: true },
      expected: ['drop: health incident open since'],
    },
    {
      name: 'a health resolve while healthy with the incident open is sent',
      letters: [letter(resolve(HEALTH))],
      health: { ...healthy, incidentOpen: true },
      expected: ['send'],
    },
    {
      name: 'a health resolve while failing again is dropped',
      letters: [letter(resolve(HEALTH))],
      health: { ...failing, incidentOpen: true },
      expected: ['drop: watchdog failing again: the resolve would close a current alert'],
    },
    {
      name: 'an application trigger is sent when nothing moved since',
      letters: [letter({ ...trigger(STORM), dedup_key: STORM })],
      expected: ['send'],
    },
    {
      name: 'an application trigger re-sent since (state) is dropped',
      letters: [letter({ ...trigger(STORM), dedup_key: STORM })],
      storms: { [STORM]: storm(after) },
      expected: ['drop: incident re-sent since (state file)'],
    },
    {
      name: 'an application trigger whose covered identities changed since is dropped',
      letters: [letter({ ...trigger(STORM), dedup_key: STORM })],
      audit: [covered(after)],
      expected: ['drop: application incident changed since (audit log of the identities it covers)'],
    },
    {
      name: 'an application resolve of an incident no longer open is dropped',
      letters: [letter(resolve(STORM))],
      expected: ['drop: application incident already resolved'],
    },
    {
      name: 'a pending application resolve is sent',
      letters: [letter(resolve(STORM))],
      storms: { [STORM]: storm(before) },
      expected: ['send'],
    },
  ];
  it.each(cases)('$name', ({ letters, incidents = {}, storms = {}, health = healthy, audit: records = [], expected }) => {
    const keys = [...new Set(letters.map((l) => l.event.dedup_key))];
    const steps = planReplay(
      parseDeadLetters(letters.map(line).join('\n')),
      { incidents, storms, health, alertAfterFailures: 3 },
      historyOf(records, keys),
    );
    expect(steps.map((s) => (s.kind === 'send' ? 'send' : `${s.kind}: ${s.reason}`))).toEqual(expected);
  });

  it('keeps, never sends, a line whose dedup key is not ours or whose change is about another incident', () => {
    const foreign = letter(resolve('acme-prod-db-outage-7731'));
    const mismatched = { ...withChange(letter(trigger())), event: { ...trigger(), dedup_key: 'iiq-leaver-sla-someone-else' } };
    const steps = planReplay(
      parseDeadLetters([foreign, mismatched].map(line).join('\n')),
      { incidents: {}, storms: {}, health: HEALTHY_STATE, alertAfterFailures: 3 },
      new Map(),
    );
    expect(steps.map((step) => [step.kind, step.kind === 'keep' ? step.foreign : undefined])).toEqual([
      ['keep', true],
      ['keep', true],
    ]);
  });

  it('keeps unparseable lines with their reason, skips blank lines, strips a stray routing key', () => {
    const text = [
      '{not json',
      '',
      JSON.stringify({ failedAt: T0, attempts: 1 }),
      JSON.stringify(letter({ ...trigger(), routing_key: 'OLD' } as PagerDutyEvent)),
      '  ',
    ].join('\r\n');
    const entries = parseDeadLetters(text);
    expect(entries.map((e) => [e.line, e.problem])).toEqual([
      [1, 'not valid JSON'],
      [3, 'unexpected content at error: Invalid input: expected string, received undefined'],
      [4, undefined],
    ]);
    expect(entries[2]?.letter?.event).not.toHaveProperty('routing_key');
    expect(
      planReplay(entries, { incidents: {}, storms: {}, health: healthy, alertAfterFailures: 3 }, historyOf([])).map((s) => s.kind),
    ).toEqual(['keep', 'keep', 'send']);
  });
});

describe('replayDeadLetters', () => {
  function setup(
    lines: (DeadLetter | string)[],
    options: {
      state?: Record<string, OpenIncident>;
      audit?: AuditRecord[];
      answer?: (event: PagerDutyEvent) => DeliveryResult;
      concurrency?: number;
      extraState?: Record<string, unknown>;
    } = {},
  ) {
    const dir = makeTempDir('watchdog-replay-');
    const paths = {
      deadLetterPath: join(dir, 'dead_letter.jsonl'),
      statePath: join(dir, 'state.json'),
      auditPath: join(dir, 'audit.jsonl'),
    };
    writeFileSync(paths.deadLetterPath, lines.map((l) => `${line(l)}\n`).join(''));
    if (options.state || options.extraState)
      writeFileSync(
        paths.statePath,
        JSON.stringify({ version: 1, incidents: options.state ?? {}, firstSeenInactive: {}, ...options.extraState }),
      );
    if (options.audit) writeFileSync(paths.auditPath, options.audit.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const sent: PagerDutyEvent[] = [];
    const sender: PagerDutySender = {
      send: (event) => {
        sent.push(event);
        return Promise.resolve(options.answer?.(event) ?? { ok: true, attempts: 1 });
      },
    };
    const logs: Record<string, any>[] = [];
    const logger = createLogger('debug', new Redactor(), { write: (text) => logs.push(JSON.parse(text)) });
    const replay = () =>
      replayDeadLetters({
        ...paths,
        mode: { kind: 'deliver', sender },
        concurrency: options.concurrency ?? 2,
        alertAfterFailures: 3,
        logger,
        clock: () => new Date(after),
      });
    const readState = () => JSON.parse(readFileSync(paths.statePath, 'utf8')) as { incidents: Record<string, OpenIncident> };
    const readAudit = () =>
      existsSync(paths.auditPath)
        ? readFileSync(paths.auditPath, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditRecord)
        : [];
    return { paths, sent, logs, replay, readState, readAudit };
  }

  it('delivers, opens the incident from the change the line carries, audits, and deletes the emptied file', async () => {
    const t = setup([withChange(letter(trigger()))]);
    const outcome = await t.replay();
    expect(outcome).toEqual({
      exitCode: 0,
      summary: { lines: 1, delivered: 1, superseded: 0, failed: 0, notAttempted: 0, unparseable: 0, foreign: 0, remaining: 0 },
    });
    expect(t.sent.map((e) => e.dedup_key)).toEqual([KEY]);
    expect(existsSync(t.paths.deadLetterPath)).toBe(false);
    expect(t.readState().incidents[KEY]).toMatchObject({
      displayName: 'Jane Doe',
      activeApplications: ['Active Directory', 'Salesforce'],
      severity: 'warning',
      terminationSource: 'attribute',
      firstSentAt: after,
      lastSentAt: after,
    });
    expect(t.readAudit()).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        reason: 'dead-letter replay',
        dedup_key: KEY,
        sent_at: after,
        sla_deadline: '2026-11-24T10:48:00.000Z',
      }),
    ]);
    expect(existsSync(`${t.paths.statePath}.lock`)).toBe(false);
  });

  it('a line written before version 0.2 (no change) still replays: the incident comes from custom_details, never from the summary', async () => {
    const t = setup([letter(trigger())]);
    expect((await t.replay()).exitCode).toBe(0);
    expect(t.readState().incidents[KEY]).toMatchObject({
      displayName: 'jdoe',
      identityName: 'jdoe',
      activeApplications: ['Active Directory', 'Salesforce'],
      firstSentAt: after,
    });
    expect(t.readAudit()).toEqual([expect.objectContaining({ event_action: 'trigger', reason: 'dead-letter replay', dedup_key: KEY })]);
  });

  it('a legacy line for an identity whose id starts with app- is told from an application incident by the state, not the key', async () => {
    const key = 'iiq-leaver-sla-app-crm';
    const t = setup([letter(resolve(key))], { state: { [key]: incident(before, key) } });
    expect((await t.replay()).exitCode).toBe(0);
    expect(t.readState().incidents).toEqual({});
    expect(t.readAudit()).toEqual([expect.objectContaining({ event_action: 'resolve', dedup_key: key, identity_id: 'app-crm' })]);
  });

  it('delivers a resolve: removes the incident and audits breach and open minutes', async () => {
    const t = setup([letter(resolve())], { state: { [KEY]: incident(before) } });
    expect((await t.replay()).exitCode).toBe(0);
    expect(t.readState().incidents).toEqual({});
    expect(t.readAudit()).toEqual([expect.objectContaining({ event_action: 'resolve', breach_minutes: 132, open_minutes: 130 })]);
  });

  it('records a replayed health trigger and application trigger in state only, as a cycle would', async () => {
    const stormTrigger = {
      ...trigger(STORM),
      dedup_key: STORM,
      payload: {
        ...trigger().payload!,
        custom_details: { application: 'Salesforce', identity_count: 30, identity_names: ['a'], tiers: { standard: 30 } },
      },
    };
    const t = setup([letter(healthTrigger), letter(stormTrigger)], { extraState: { health: failing } });
    expect((await t.replay()).exitCode).toBe(0);
    const state = JSON.parse(readFileSync(t.paths.statePath, 'utf8')) as { health: HealthState; storms: Record<string, OpenStorm> };
    expect(state.health).toMatchObject({ consecutiveFailures: 3, incidentOpen: true });
    expect(state.storms[STORM]).toEqual({
      dedupKey: STORM,
      application: 'Salesforce',
      severity: 'warning',
      identityCount: 30,
      firstSentAt: after,
      lastSentAt: after,
    });
    expect(t.readAudit()).toEqual([]);
  });

  it('drops superseded lines unsent and keeps what failed, byte for byte; exit 1', async () => {
    const other = 'iiq-leaver-sla-ffff';
    const t = setup([letter(trigger()), '{torn line', letter(trigger(other))], {
      audit: [audit('trigger', before), audit('resolve', after)],
      answer: () => ({ ok: false, attempts: 4, error: 'HTTP 500' }),
    });
    const outcome = await t.replay();
    expect(outcome.exitCode).toBe(1);
    expect(outcome.summary).toMatchObject({ lines: 3, delivered: 0, superseded: 1, failed: 1, unparseable: 1, remaining: 2 });
    expect(t.sent.map((e) => e.dedup_key)).toEqual([other]);
    expect(readFileSync(t.paths.deadLetterPath, 'utf8')).toBe(`{torn line\n${JSON.stringify(letter(trigger(other)))}\n`);
    expect(t.logs.find((l) => l.msg.startsWith('dead-letter line kept: unparseable'))).toMatchObject({ line: 2 });
    expect(t.readAudit()).toHaveLength(2); // nothing added
  });

  it('stops trying once PagerDuty is still failing, but not for a rejected event', async () => {
    const keys = ['a', 'b', 'c', 'd'].map((k) => `iiq-leaver-sla-${k}`);
    const t = setup(
      keys.map((k) => letter(trigger(k))),
      {
        answer: (event) =>
          event.dedup_key.endsWith('a')
            ? { ok: false, attempts: 1, error: 'HTTP 400', rejected: true }
            : event.dedup_key.endsWith('b')
              ? { ok: false, attempts: 4, error: 'HTTP 503' }
              : { ok: true, attempts: 1 },
        concurrency: 1,
      },
    );
    // One at a time, so the order is certain: a is rejected (says nothing of PagerDuty), b exhausts its retries, c and d wait.
    const outcome = await t.replay();
    expect(t.sent.map((e) => e.dedup_key)).toEqual(keys.slice(0, 2));
    expect(outcome.summary).toMatchObject({ failed: 2, notAttempted: 2, remaining: 4 });
  });

  it('replays nothing when the state file is corrupt', async () => {
    const t = setup([letter(trigger())]);
    writeFileSync(t.paths.statePath, '{corrupt');
    expect((await t.replay()).summary).toMatchObject({ delivered: 0, remaining: 1 });
    expect(t.sent).toEqual([]);
    expect(readFileSync(t.paths.statePath, 'utf8')).toBe('{corrupt');
  });

  it('has nothing to do without a dead-letter file', async () => {
    const t = setup([]);
    await t.replay(); // empties it
    expect(await t.replay()).toMatchObject({ exitCode: 0, summary: { lines: 0, remaining: 0 } });
  });
});

describe('dead_letter.jsonl.example', () => {
  it('matches the real format: every line parses, and its trigger has the shape buildTriggerEvent makes', async () => {
    const { buildTriggerEvent } = await import('../../../src/pagerduty/events.js');
    const entries = parseDeadLetters(readFileSync(new URL('../../../dead_letter.jsonl.example', import.meta.url), 'utf8'));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((e) => e.problem)).toEqual(entries.map(() => undefined));
    for (const { raw } of entries) expect(Object.keys(JSON.parse(raw) as object)).toEqual(['failedAt', 'attempts', 'error', 'event']);
    const example = entries.find((e) => e.letter?.event.event_action === 'trigger')!.letter!.event;
    const built = buildTriggerEvent(
      {
        dedupKey: 'k',
        identityId: 'i',
        identityName: 'n',
        displayName: 'd',
        tier: 't',
        slaHours: 4,
        severity: 'warning',
        activeApplications: ['a'],
        activeAccountCount: 1,
        terminationDate: T0,
        terminationSource: 'attribute',
        slaDeadline: T0,
        elapsedHours: 5,
      },
      { source: 's', baseUrl: 'https://iiq', identityUrlTemplate: '{baseUrl}/{id}' },
      new Date(T0),
    );
    expect(Object.keys(example)).toEqual(Object.keys(built));
    expect(Object.keys(example.payload!)).toEqual(Object.keys(built.payload!));
    expect(Object.keys(example.payload!.custom_details)).toEqual(Object.keys(built.payload!.custom_details));
    expect(example).not.toHaveProperty('routing_key');
  });
});
