import { ConfigError } from '../errors.js';
import { PRODUCT_NAME } from '../sla/incident.js';

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
  // One flat table, row-major: cell (i, j) is the distance between a's first i and b's first j characters.
  const width = b.length + 1;
  const d = Array.from({ length: (a.length + 1) * width }, (_, cell) => (cell < width ? cell : cell % width === 0 ? cell / width : 0));
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}
