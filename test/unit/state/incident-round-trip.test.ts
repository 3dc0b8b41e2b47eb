/** One incident schema: any incident written to the state file and to the journal reads back equal (issue 17). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { IncidentFacts, OpenIncident } from '../../../src/sla/incident.js';
import { omitKeys } from '../../../src/omit-keys.js';
import { foldJournal, parseJournal, type JournalLine } from '../../../src/state/journal.js';
import { emptyState, readState, writeState } from '../../../src/state/state-file.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-incident-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const instant = fc
  .integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());
const names = fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 });
const facts: fc.Arbitrary<IncidentFacts> = fc.record(
  {
    dedupKey: fc.string({ minLength: 1, maxLength: 40 }).map((id) => `iiq-leaver-sla-${id}`),
    identityId: fc.string({ maxLength: 20 }),
    identityName: fc.string({ maxLength: 20 }),
    displayName: fc.string({ maxLength: 20 }),
    tier: fc.string({ maxLength: 12 }),
    slaHours: fc.double({ min: 0, max: 10_000, noNaN: true }),
    severity: fc.constantFrom('warning' as const, 'error' as const),
    activeApplications: names,
    activeAccountCount: fc.nat(100),
    unknownApplications: names,
    unknownAccountCount: fc.nat(100),
    terminationDate: instant,
    terminationSource: fc.constantFrom('attribute' as const, 'first-seen' as const),
    slaDeadline: instant,
    slaApplication: fc.string({ maxLength: 20 }),
    withinGraceApplications: names,
    exceptedApplications: names,
  },
  {
    requiredKeys: [
      'dedupKey',
      'identityId',
      'identityName',
      'displayName',
      'tier',
      'slaHours',
      'severity',
      'activeApplications',
      'activeAccountCount',
      'terminationDate',
      'terminationSource',
      'slaDeadline',
    ],
  },
);
const incident: fc.Arbitrary<OpenIncident> = fc
  .tuple(facts, instant, instant, fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }), fc.boolean())
  .map(([f, firstSentAt, lastSentAt, coveredBy, unconfirmed]) => ({
    ...f,
    firstSentAt,
    lastSentAt,
    ...(coveredBy ? { coveredBy } : {}),
    ...(unconfirmed ? { unconfirmed: true as const } : {}),
  }));

describe('one incident schema', () => {
  it('an incident written to the state file reads back equal', async () => {
    const path = join(dir, 'state.json');
    await fc.assert(
      fc.asyncProperty(incident, async (written) => {
        await writeState(path, { ...emptyState(), incidents: { [written.dedupKey]: written } });
        const read = await readState(path, new Date(), { moveCorruptAside: false });
        expect(read.corrupt).toBeUndefined();
        expect(read.state.incidents[written.dedupKey]).toStrictEqual(written);
      }),
      { numRuns: 60 },
    );
  });

  it('an incident carried by journal lines (trigger facts, resolve record) reads back equal', () => {
    fc.assert(
      fc.property(incident, (written) => {
        const written_facts: IncidentFacts = omitKeys(written, 'firstSentAt', 'lastSentAt', 'coveredBy', 'unconfirmed');
        const lines: JournalLine[] = [
          {
            journal: 1,
            run: 'r',
            seq: 1,
            step: 'recorded',
            at: written.lastSentAt,
            change: { kind: 'incident-open', reason: 'first breach', incident: written_facts, audit: false },
          },
          {
            journal: 1,
            run: 'r',
            seq: 2,
            step: 'sending',
            at: written.lastSentAt,
            dedup_key: written.dedupKey,
            event_action: 'resolve',
            change: { kind: 'incident-close', reason: 'accounts disabled', dedupKey: written.dedupKey, incident: written },
          },
        ];
        const parsed = parseJournal(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
        expect(parsed.skipped).toEqual([]);
        expect(parsed.lines).toStrictEqual(lines);
        // Folded, the recorded facts are the state's incident, fact for fact.
        const fold = foldJournal({ incidents: {}, storms: {}, health: emptyState().health }, parsed.lines.slice(0, 1));
        const folded = omitKeys(fold.book.incidents[written.dedupKey] ?? written, 'firstSentAt', 'lastSentAt');
        expect(folded).toStrictEqual(written_facts);
      }),
      { numRuns: 200 },
    );
  });
});
