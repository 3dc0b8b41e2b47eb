/** The cycle's memory posture: applied unless the operator chose heap or WebAssembly flags of their own. */
import { describe, expect, it } from 'vitest';
import { applyMemoryPosture } from '../../src/memory-posture.js';

describe('applyMemoryPosture', () => {
  it.each<[string, string[], string, boolean]>([
    ['no flags', [], '', true],
    ['unrelated flags', ['--enable-source-maps'], '--trace-warnings', true],
    ['--max-old-space-size on the command line', ['--max-old-space-size=512'], '', false],
    ['--heap-growing-percent on the command line', ['--heap-growing-percent=50'], '', false],
    ['--max-old-space-size in NODE_OPTIONS', [], '--max-old-space-size=2048', false],
    ['--optimize_for_size spelled with underscores', ['--optimize_for_size'], '', false],
    ['--wasm-tier-up chosen by the operator', ['--wasm-tier-up'], '', false],
    ['--no-liftoff chosen by the operator', ['--no-liftoff'], '', false],
  ])('%s', (_name, execArgv, nodeOptions, applied) => {
    expect(applyMemoryPosture(execArgv, nodeOptions)).toBe(applied);
  });
});
