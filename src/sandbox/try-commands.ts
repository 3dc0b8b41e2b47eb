/**
 * The commands `sandbox` prints for a person to try, each one line that works pasted into a
 * POSIX shell as printed: absolute paths, single-quoted where needed.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PRODUCT_NAME } from '../sla/incident.js';

/** Quotes one word for a POSIX shell (left bare when it has nothing the shell would touch). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to invoke this very CLI: its bare name when that name on PATH is this installation,
 * otherwise node and the script by absolute path (a clone, npx, or another version on PATH).
 */
export function cliInvocation(cliScript: string, nodePath: string, pathVariable: string | undefined, name = PRODUCT_NAME): string {
  const here = realpathOr(cliScript);
  for (const folder of (pathVariable ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    // The first hit is what the shell runs: use the bare name only when it is us.
    return realpathOr(candidate) === here ? name : `${shellQuote(nodePath)} ${shellQuote(cliScript)}`;
  }
  return `${shellQuote(nodePath)} ${shellQuote(cliScript)}`;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One step of the walk-through. */
export interface TryStep {
  why: string;
  command: string;
}

/** The walk-through: check, dry run, run, remediate, run again, report, replay. */
export function tryCommands(input: { folder: string; configPath: string; cli: string; remediateUrl: string; pageUrl: string }): TryStep[] {
  const inFolder = (args: string): string =>
    `cd ${shellQuote(input.folder)} && ${input.cli} ${args} --config ${shellQuote(input.configPath)}`;
  return [
    { why: 'validate the config and secrets, read one page from the fake IIQ', command: inFolder('check') },
    {
      why: 'what would be paged: one JSON line per planned action; sends and writes nothing',
      command: `${inFolder('run --dry-run')} | jq .`,
    },
    { why: `one poll cycle for real: pages the fake PagerDuty (see ${input.pageUrl})`, command: inFolder('run') },
    {
      why: "the Leaver finally runs: disable every leaver's accounts in the fake IIQ (?identity=NAME for one)",
      command: `curl -fsS -X POST ${shellQuote(input.remediateUrl)}`,
    },
    { why: 'the next cycle sees the accounts disabled and resolves the incidents', command: inFolder('run') },
    { why: 'time to detect and to remediate, from the audit log', command: inFolder('report') },
    { why: 're-send dead-lettered events (there are none unless PagerDuty failed)', command: inFolder('replay') },
  ];
}
