/** The verifications in the state file: compact, one per line, read back whole, validated. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyState, readState, renderStateJson, writeState, type WatchdogState } from '../../../src/state/state-file.js';
import { NOW } from '../../helpers/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'watchdog-state-verified-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stateWith(identities: WatchdogState['verifiedClean']['identities']): WatchdogState {
  return {
    ...emptyState(),
    firstSeenInactive: { 'odd],"id': NOW.toISOString() },
    verifiedClean: { excludedApplications: ['HR Archive'], identities },
  };
}

describe('verifications in the state file', () => {
  it('round-trip whole, ids and tiers of any shape included', async () => {
    const path = join(dir, 'roundtrip.json');
    const state = stateWith({
      '0a1b2c3d4e5f60718293a4b5c6d7e8f9': [1795521600, 1792000000123, 'standard'],
      'odd],"id': [1795521601, -5, 'tier],"with\nbreaks'],
      'ünïcode id ✓': [1795521602, 0, 'privileged'],
    });
    await writeState(path, state);
    const read = await readState(path, NOW, { moveCorruptAside: false });
    expect(read.corrupt).toBeUndefined();
    expect(read.state).toEqual(state);
  });

  it('take one line each, indented under "identities"', () => {
    const text = renderStateJson(stateWith({ a: [1, 2, 'standard'], b: [3, 4, 'privileged'] }));
    expect(text).toContain(
      '  "verifiedClean": {\n    "excludedApplications": ["HR Archive"],\n    "identities": {\n      "a":[1,2,"standard"],\n      "b":[3,4,"privileged"]\n    }\n  }\n}\n',
    );
    expect(JSON.parse(text).verifiedClean.identities).toEqual({ a: [1, 2, 'standard'], b: [3, 4, 'privileged'] });
    expect(JSON.parse(renderStateJson(emptyState())).verifiedClean).toEqual({ excludedApplications: [], identities: {} });
  });

  it('a state file written before verifications existed reads with none', async () => {
    const path = join(dir, 'old.json');
    writeFileSync(path, JSON.stringify({ version: 1, incidents: {}, firstSeenInactive: {} }));
    const read = await readState(path, NOW, { moveCorruptAside: false });
    expect(read.corrupt).toBeUndefined();
    expect(read.state.verifiedClean).toEqual({ excludedApplications: [], identities: {} });
  });

  it.each([
    ['a string instead of a tuple', 'yesterday'],
    ['two elements', [1795521600, 1792000000000]],
    ['a fractional verification instant', [1795521600.5, 1792000000000, 'standard']],
    ['a tier that is not a string', [1795521600, 1792000000000, 3]],
    ['a termination instant that is not a number', [1795521600, null, 'standard']],
  ])('an entry with %s is dropped (that identity is read again), the rest of the state kept', async (_name, entry) => {
    const path = join(dir, 'bad.json');
    const incidents = {};
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        incidents,
        firstSeenInactive: { y: NOW.toISOString() },
        verifiedClean: { excludedApplications: [], identities: { x: entry, ok: [1795521600, 1, 'standard'] } },
      }),
    );
    const read = await readState(path, NOW, { moveCorruptAside: false });
    expect(read.corrupt).toBeUndefined();
    expect({ ...read.state.verifiedClean.identities }).toEqual({ ok: [1795521600, 1, 'standard'] });
    expect(read.state.firstSeenInactive).toEqual({ y: NOW.toISOString() });
  });

  it('a verifiedClean section of the wrong shape counts as none', async () => {
    const path = join(dir, 'bad-section.json');
    for (const verifiedClean of ['x', [], { excludedApplications: 'HR', identities: [] }, null]) {
      writeFileSync(path, JSON.stringify({ version: 1, incidents: {}, firstSeenInactive: {}, verifiedClean }));
      const read = await readState(path, NOW, { moveCorruptAside: false });
      expect(read.corrupt).toBeUndefined();
      expect({ ...read.state.verifiedClean, identities: { ...read.state.verifiedClean.identities } }).toEqual({
        excludedApplications: [],
        identities: {},
      });
    }
  });
});
