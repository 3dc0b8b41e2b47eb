import { ConfigError } from '../errors.js';
import { PRODUCT_NAME } from '../sla/dedup-keys.js';

/**
 * The usage error for words left over after `run`, the default command (commander would say
 * "too many arguments for 'run'"): a mistyped command gets "unknown command 'reprot' (did you
 * mean report?)". `typedRun` says whether the user wrote `run` or it was implied.
 */
export function unexpectedArgumentsError(words: readonly string[], commandNames: readonly string[], typedRun: boolean): ConfigError {
  const word = words[0] ?? '';
  if (typedRun) return new ConfigError(`run takes no arguments, but got '${word}' (options start with --; see run --help)`);
  if (commandNames.includes(word)) {
    return new ConfigError(`'${word}' must come first, before its options: ${PRODUCT_NAME} ${word} [options]`);
  }
  const suggestion = closestCommand(word, commandNames);
  const known = `commands: ${commandNames.join(', ')} (see --help)`;
  return new ConfigError(`unknown command '${word}'${suggestion ? ` (did you mean ${suggestion}?)` : `; ${known}`}`);
}

/** The command a typo most likely meant: at most 2 edits away (a swap of neighbours is one), or a prefix. */
export function closestCommand(word: string, commandNames: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of commandNames) {
    const distance = name.startsWith(lower) && lower.length >= 2 ? 0 : editDistance(lower, name);
    if (distance <= Math.min(2, Math.max(1, Math.floor(name.length / 3))) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
