/** The cycle's heap posture: applied unless the operator chose heap flags of their own. */
import { describe, expect, it } from 'vitest';
import { applyHeapPosture } from '../src/heap-posture.js';

describe('applyHeapPosture', () => {
  it.each<[string, string[], string, boolean]>([
    ['no flags', [], '', true],
    ['unrelated flags', ['--enable-source-maps'], '--trace-warnings', true],
    ['--max-old-space-size on the command line', ['--max-old-space-size=512'], '', false],
    ['--heap-growing-percent on the command line', ['--heap-growing-percent=50'], '', false],
    ['--max-old-space-size in NODE_OPTIONS', [], '--max-old-space-size=2048', false],
    ['--optimize_for_size spelled with underscores', ['--optimize_for_size'], '', false],
  ])('%s', (_name, execArgv, nodeOptions, applied) => {
    expect(applyHeapPosture(execArgv, nodeOptions)).toBe(applied);
  });
});
