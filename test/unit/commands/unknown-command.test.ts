/** A mistyped command is named as such, with the command it most likely meant. */
import { describe, expect, it } from 'vitest';
import { closestCommand, unexpectedArgumentsError } from '../../../src/commands/unknown-command.js';

const COMMANDS = ['run', 'replay', 'report', 'check', 'sandbox'];

describe('closestCommand', () => {
  it.each([
    ['reprot', 'report'],
    ['raport', 'report'],
    ['relpay', 'replay'],
    ['replya', 'replay'],
    ['chekc', 'check'],
    ['chek', 'check'],
    ['rn', 'run'],
    ['ru', 'run'],
    ['Report', 'report'],
    ['sandbx', 'sandbox'],
    ['foo', undefined],
    ['status', undefined],
  ])('%s → %s', (word, expected) => expect(closestCommand(word, COMMANDS)).toBe(expected));
});

describe('unexpectedArgumentsError', () => {
  it.each([
    [['reprot'], false, "unknown command 'reprot' (did you mean report?)"],
    [['foo', 'bar'], false, "unknown command 'foo'; commands: run, replay, report, check, sandbox (see --help)"],
    [['extra'], true, "run takes no arguments, but got 'extra' (options start with --; see run --help)"],
    [['report'], false, "'report' must come first, before its options: iiq-leaver-sla-watchdog report [options]"],
  ] as const)('%j (run typed: %s)', (words, typedRun, expected) => {
    const error = unexpectedArgumentsError(words, COMMANDS, typedRun);
    expect(error.message).toBe(expected);
    expect(error.exitCode).toBe(2);
  });
});
