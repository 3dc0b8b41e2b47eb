import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { removeAbandonedTempFiles } from '../../src/state/local-file.js';
import { readState, writeState, emptyState } from '../../src/state/state-file.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const WRITER = fileURLToPath(new URL('../helpers/atomic-writer.mjs', import.meta.url));

/** Starts the writer and SIGKILLs it right after its `writes`-th completed write (mid-way through the next). */
function killAfterWrites(path: string, writes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString().split('\n').filter(Boolean).length;
      if (seen >= writes) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

describe('atomic state writes', () => {
  it('a kill -9 at any moment leaves a whole old or new file, never a torn one', async () => {
    const dir = makeTempDir('watchdog-atomic-');
    const path = join(dir, 'state.json');
    let previousVersion = -1;
    for (let round = 1; round <= 15; round += 1) {
      await killAfterWrites(path, 1 + (round % 4));
      const content = JSON.parse(readFileSync(path, 'utf8')) as { version: number; padding: string };
      expect(content.padding.length).toBeGreaterThanOrEqual(200_000);
      expect(content.version).toBeGreaterThanOrEqual(0);
      previousVersion = content.version;
    }
    expect(previousVersion).toBeGreaterThanOrEqual(0);
    // Temp files of killed writers may remain; they are never the state file itself, and the
    // next run (holding the lock) removes them.
    expect(readdirSync(dir).filter((name) => !name.endsWith('.tmp'))).toEqual(['state.json']);
    writeFileSync(join(dir, 'state.json.other'), 'not a temp file');
    writeFileSync(join(dir, 'state.json.4242.deadbeef.tmp'), '{"torn":');
    await removeAbandonedTempFiles(path);
    expect(readdirSync(dir).sort()).toEqual(['state.json', 'state.json.other']);
  });

  it('a corrupt state file is moved aside and the cycle starts empty', async () => {
    const dir = makeTempDir('watchdog-corrupt-');
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"version": 1, "incidents": {');
    const read = await readState(path, new Date('2026-11-24T12:00:00.000Z'), { moveCorruptAside: true });
    expect(read.state).toEqual(emptyState());
    expect(read.corrupt).toEqual({ movedTo: `${path}.corrupt-2026-11-24T12-00-00-000Z`, reason: 'not valid JSON' });
    expect(readFileSync(`${path}.corrupt-2026-11-24T12-00-00-000Z`, 'utf8')).toBe('{"version": 1, "incidents": {');

    await writeState(path, emptyState());
    expect((await readState(path, new Date(), { moveCorruptAside: true })).corrupt).toBeUndefined();
  });

  it('a state file of the wrong shape is corrupt too, and a dry run leaves it in place', async () => {
    const dir = makeTempDir('watchdog-corrupt-');
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ version: 1, incidents: { k: { dedupKey: 3 } }, firstSeenInactive: {} }));
    const read = await readState(path, new Date(), { moveCorruptAside: false });
    expect(read.corrupt?.reason).toMatch(/^unexpected content at incidents\.k\.dedupKey/);
    expect(read.corrupt?.movedTo).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
