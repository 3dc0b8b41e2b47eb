/**
 * State-file size, write time and read time with N identities verified clean, through
 * the watchdog's own writeState / readState (atomic write with fsync, schema validation on read).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifiedNow } from '../src/sla/read-plan.js';
import { emptyState, readState, writeState } from '../src/state/state-file.js';

/** One measured state file. */
export interface StateSizeRow {
  identities: number;
  bytes: number;
  writeMs: number;
  readMs: number;
}

const NOW_MS = Date.parse('2026-11-24T12:00:00.000Z');

/** Writes (best of `repeats`) and reads back a state holding `identities` verifications of 32-hex ids. */
export async function measureStateFile(identities: number, repeats = 3): Promise<StateSizeRow> {
  const dir = mkdtempSync(join(tmpdir(), 'iiq-watchdog-state-size-'));
  try {
    const state = emptyState();
    state.verifiedClean.excludedApplications = ['HR Archive'];
    for (let i = 0; i < identities; i++) {
      const id = ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0').repeat(4);
      state.verifiedClean.identities[id] = verifiedNow(
        NOW_MS - (i % 96) * 900_000,
        NOW_MS - 30 * 86_400_000 - i * 1000,
        i % 5 === 0 ? 'privileged' : 'standard',
      );
    }
    const path = join(dir, 'watchdog-state.json');
    let writeMs = Number.POSITIVE_INFINITY;
    let readMs = Number.POSITIVE_INFINITY;
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await writeState(path, state);
      writeMs = Math.min(writeMs, performance.now() - started);
      const readStarted = performance.now();
      const read = await readState(path, new Date(NOW_MS), { moveCorruptAside: false });
      readMs = Math.min(readMs, performance.now() - readStarted);
      if (read.corrupt || Object.keys(read.state.verifiedClean.identities).length !== identities)
        throw new Error('the state file did not read back whole');
    }
    return { identities, bytes: statSync(path).size, writeMs, readMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
