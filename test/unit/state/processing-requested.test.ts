import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAuditLine } from '../../../src/report/audit-lines.js';
import { parseAuditLogLine } from '../../../src/state/audit-line.js';
import { emptyState, readState, writeState } from '../../../src/state/state-file.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('watchdog-processing-state-');
});
afterEach(() => removeTempDir(dir));

const LINE = {
  event_action: 'processing-requested',
  identity_id: 'abc',
  identity_name: 'jdoe',
  requested_at: '2026-11-24T12:00:00.000Z',
  source_task_id: null,
};

describe('the processing-requested audit line', () => {
  it('is its own kind: no incident event, not a skipped line in the report', () => {
    expect(parseAuditLogLine(JSON.stringify(LINE)).kind).toBe('processing-requested');
    expect(parseAuditLine(JSON.stringify(LINE))).toEqual({ ok: true, processingRequested: true });
    expect(parseAuditLogLine(JSON.stringify({ ...LINE, requested_at: 'yesterday' })).kind).toBe('invalid');
  });
});

describe('state processingRequested', () => {
  it.each<[string, unknown, Record<string, string> | undefined]>([
    ['a file from before the key loads as none yet', undefined, undefined],
    ['a malformed map is dropped, not a corrupt state', { abc: 'not an instant' }, undefined],
    [
      '"__proto__" is an identity id like any other',
      { ['__proto__']: '2026-11-24T12:00:00.000Z' },
      { ['__proto__']: '2026-11-24T12:00:00.000Z' },
    ],
  ])('%s', async (_name, stored, expected) => {
    const path = join(dir, 'state.json');
    const { processingRequested: _omit, ...base } = emptyState();
    const text = JSON.stringify({ ...base, verifiedClean: { excludedApplications: [], identities: {} } });
    const withMap = stored === undefined ? text : `${text.slice(0, -1)},"processingRequested":${JSON.stringify(stored)}}`;
    writeFileSync(path, withMap);
    const read = await readState(path, new Date(), { moveCorruptAside: false });
    expect(read.corrupt).toBeUndefined();
    expect(read.state.processingRequested === undefined ? undefined : { ...read.state.processingRequested }).toEqual(expected);
  });

  it('round-trips through writeState', async () => {
    const path = join(dir, 'state.json');
    await writeState(path, { ...emptyState(), processingRequested: { abc: '2026-11-24T12:00:00.000Z' } });
    const read = await readState(path, new Date(), { moveCorruptAside: false });
    expect({ ...read.state.processingRequested }).toEqual({ abc: '2026-11-24T12:00:00.000Z' });
  });
});
