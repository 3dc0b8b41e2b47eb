/** PagerDuty payload limits: summary ≤ 1024 characters, event < 512 KB with the application count kept. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTriggerEvent, fitEvent, fitSummary, MAX_EVENT_BYTES, MAX_SUMMARY_CHARS, wireBytes } from '../../../src/pagerduty/events.js';
import type { Breach } from '../../../src/sla/incident.js';
import { NOW } from '../../helpers/clock.js';

const CONTEXT = {
  source: 'iiq.example.com',
  baseUrl: 'https://iiq.example.com/identityiq',
  identityUrlTemplate: '{baseUrl}/identities/{id}',
};

function breach(overrides: Partial<Breach> = {}): Breach {
  return {
    dedupKey: 'iiq-leaver-sla-0a1b',
    identityId: '0a1b',
    identityName: 'jdoe',
    displayName: 'Jane Doe',
    tier: 'privileged',
    slaHours: 4,
    severity: 'warning',
    activeApplications: ['Active Directory', 'Salesforce'],
    activeAccountCount: 2,
    terminationDate: '2026-11-24T06:48:00.000Z',
    terminationSource: 'attribute',
    slaDeadline: '2026-11-24T10:48:00.000Z',
    elapsedHours: 5.2,
    ...overrides,
  };
}

describe('summary limit', () => {
  it('cuts a summary over 1024 characters to 1023 plus an ellipsis', () => {
    const event = buildTriggerEvent(breach({ displayName: 'J'.repeat(2_000) }), CONTEXT, NOW);
    const summary = event.payload!.summary;
    expect(summary).toHaveLength(MAX_SUMMARY_CHARS);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary.startsWith('Leaver SLA breach: JJJ')).toBe(true);
  });

  it('leaves a summary of exactly 1024 characters alone', () => {
    const text = 'x'.repeat(MAX_SUMMARY_CHARS);
    expect(fitSummary(text)).toBe(text);
  });

  it('never cuts inside a surrogate pair', () => {
    const text = `${'x'.repeat(MAX_SUMMARY_CHARS - 2)}😀${'y'.repeat(10)}`; // the emoji straddles the cut
    const fitted = fitSummary(text);
    expect(fitted.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(fitted).toBe(`${'x'.repeat(MAX_SUMMARY_CHARS - 2)}…`);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(fitted)).toBe(false); // no lone high surrogate
  });
});

describe('event size limit', () => {
  it('drops application names (keeping the count) until an event of thousands of long names fits under 512 KB', () => {
    const applications = Array.from({ length: 4_000 }, (_, i) => `Application ${String(i).padStart(4, '0')} ${'long-name-'.repeat(20)}`);
    const event = buildTriggerEvent(breach({ activeApplications: applications, activeAccountCount: 4_321 }), CONTEXT, NOW);
    const details = event.payload!.custom_details as {
      active_applications: string[];
      active_applications_omitted: number;
      active_account_count: number;
    };
    const unfitted = wireBytes({
      ...event,
      payload: { ...event.payload!, custom_details: { ...details, active_applications: applications } },
    });
    expect(unfitted).toBeGreaterThan(MAX_EVENT_BYTES);
    expect(wireBytes(event)).toBeLessThan(MAX_EVENT_BYTES);
    expect(details.active_account_count).toBe(4_321);
    expect(details.active_applications.length).toBeGreaterThan(0);
    expect(details.active_applications).toEqual(applications.slice(0, details.active_applications.length));
    expect(details.active_applications_omitted).toBe(applications.length - details.active_applications.length);
    // As many as fit: one more would not.
    const oneMore = {
      ...event,
      payload: {
        ...event.payload!,
        custom_details: { ...details, active_applications: applications.slice(0, details.active_applications.length + 1) },
      },
    };
    expect(wireBytes(oneMore)).toBeGreaterThanOrEqual(MAX_EVENT_BYTES);
  });

  it('leaves a small event untouched', () => {
    const event = buildTriggerEvent(breach(), CONTEXT, NOW);
    expect(event.payload!.custom_details).not.toHaveProperty('active_applications_omitted');
    expect(fitEvent(event)).toEqual(event);
  });

  it('counts the routing key that is added on the wire', () => {
    const event = buildTriggerEvent(breach(), CONTEXT, NOW);
    expect(wireBytes(event)).toBe(Buffer.byteLength(JSON.stringify({ routing_key: 'x'.repeat(32), ...event })));
  });

  it('a leaver with 6,000 accounts of unknown status: every application list is cut (counts kept) until the event fits', () => {
    const names = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix} ${String(i).padStart(5, '0')} ${'x'.repeat(80)}`);
    const unknown = names('Unknown App', 6_000);
    const event = buildTriggerEvent(
      breach({
        activeApplications: names('Active App', 300),
        unknownApplications: unknown,
        unknownAccountCount: 6_000,
        withinGraceApplications: names('Grace App', 1_000),
        exceptedApplications: names('Excepted App', 1_000),
      }),
      CONTEXT,
      NOW,
    );
    const details = event.payload!.custom_details;
    expect(wireBytes(event)).toBeLessThan(MAX_EVENT_BYTES);
    expect(details.unknown_status_account_count).toBe(6_000);
    expect(details.active_account_count).toBe(2);
    for (const [list, total] of [
      ['active_applications', 300],
      ['unknown_status_applications', 6_000],
      ['within_grace_applications', 1_000],
      ['excepted_applications', 1_000],
    ] as const) {
      const kept = (details[list] as string[]).length;
      expect(kept + ((details[`${list}_omitted`] as number | undefined) ?? 0)).toBe(total);
    }
    expect((details.unknown_status_applications as string[]).length).toBeLessThan(6_000);
  });

  it('property: any event fits under 512 KB, whatever its lists and strings, and a list cut says how many it lost', () => {
    const text = fc.string({ maxLength: 300 });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^x_[a-z_]{1,12}$/),
          fc.oneof(
            fc.array(text, { maxLength: 2_000 }),
            fc.string({ maxLength: 1 }).chain((c) => fc.integer({ min: 0, max: 800_000 }).map((n) => c.repeat(n) || 'x'.repeat(n))),
            fc.integer(),
          ),
          { maxKeys: 6 },
        ),
        fc.integer({ min: 0, max: 700_000 }),
        (details, nameLength) => {
          const event = {
            event_action: 'trigger' as const,
            dedup_key: 'iiq-leaver-sla-x',
            payload: {
              summary: 'S'.repeat(2_000),
              source: 'iiq.example.com',
              severity: 'warning' as const,
              timestamp: NOW.toISOString(),
              component: 'identityiq',
              group: 'standard',
              class: 'leaver-sla-breach',
              custom_details: { ...details, identity_name: 'n'.repeat(nameLength) },
            },
            links: [{ href: `https://iiq.example.com/${'n'.repeat(nameLength)}`, text: 'Identity in IdentityIQ' }],
          };
          const fitted = fitEvent(event);
          expect(wireBytes(fitted)).toBeLessThan(MAX_EVENT_BYTES);
          for (const [key, value] of Object.entries(details)) {
            if (!Array.isArray(value)) continue;
            const kept = (fitted.payload!.custom_details[key] as unknown[]).length;
            expect(kept + ((fitted.payload!.custom_details[`${key}_omitted`] as number | undefined) ?? 0)).toBe(value.length);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('leaver stage', () => {
  it.each<[string, Partial<Breach>, string, Record<string, unknown>, string[]]>([
    [
      'not started in IIQ, refreshed before the termination',
      { leaverStage: 'not-started', elapsedHours: 6, activeAccountCount: 3, lastRefresh: '2026-11-23T06:00:00.000Z' },
      'Leaver not started: Jane Doe is still active in IdentityIQ 6.0h after termination; 3 accounts enabled (privileged SLA 4h)',
      { leaver_stage: 'not-started', last_refresh: '2026-11-23T06:00:00.000Z', refreshed_since_termination: false },
      ['processing_state'],
    ],
    [
      'not started, SCIM gave no refresh instant',
      { leaverStage: 'not-started', lastRefresh: null },
      'Leaver not started: Jane Doe is still active in IdentityIQ 5.2h after termination; 2 accounts enabled (privileged SLA 4h)',
      { leaver_stage: 'not-started', refreshed_since_termination: false },
      ['last_refresh'],
    ],
    [
      'started, refreshed since the termination',
      { leaverStage: 'started', lastRefresh: '2026-11-24T07:00:00.000Z' },
      'Leaver SLA breach: Jane Doe has 2 active accounts 5.2h after termination (privileged SLA 4h)',
      { leaver_stage: 'started', refreshed_since_termination: true },
      [],
    ],
    [
      'an incident of an older version: started, nothing about refreshes',
      {},
      'Leaver SLA breach: Jane Doe has 2 active accounts 5.2h after termination (privileged SLA 4h)',
      { leaver_stage: 'started', refreshed_since_termination: false },
      ['last_refresh', 'processing_state'],
    ],
  ])('%s', (_name, overrides, summary, details, absent) => {
    const event = buildTriggerEvent(breach(overrides), CONTEXT, NOW);
    expect(event.payload?.summary).toBe(summary);
    expect(event.payload?.custom_details).toMatchObject(details);
    for (const key of absent) expect(event.payload?.custom_details).not.toHaveProperty(key);
  });

  it('ISC: names Identity Security Cloud and its processing error stage', () => {
    const event = buildTriggerEvent(
      breach({ leaverStage: 'not-started', processingError: { stage: 'In Process' } }),
      { ...CONTEXT, label: 'ISC' },
      NOW,
    );
    expect(event.payload?.summary).toMatch(/^Leaver not started: Jane Doe is still active in Identity Security Cloud 5\.2h/);
    expect(event.payload?.custom_details).toMatchObject({ processing_state: 'ERROR', processing_stage: 'In Process' });
  });
});
