import { readJsonLines } from '../state/json-lines.js';
import { parseAuditLine } from './audit-lines.js';
import type { ExceptionFacts } from './exception-lines.js';
import type { ChainTaskLine } from '../state/audit-line.js';
import { BreachBuilder, type Breach, type UnmatchedResolve } from './incidents.js';

/** What reading the audit log gave. */
export interface AuditRead {
  breaches: Breach[];
  /** 1-based line numbers and reasons of lines left out. */
  skipped: { line: number; reason: string }[];
  unmatchedResolves: UnmatchedResolve[];
  /** False when there was no audit file (nothing delivered yet): an empty report. */
  found: boolean;
  /** Exception records, in file order. */
  exceptions: ExceptionFacts[];
  /** Chain task incident lines, in file order (never counted as breaches). */
  tasks: ChainTaskLine[];
}

/** Reads the audit log line by line (streamed: the log only grows) into breaches. */
export async function readAuditBreaches(path: string): Promise<AuditRead> {
  const builder = new BreachBuilder();
  const skipped: AuditRead['skipped'] = [];
  const exceptions: ExceptionFacts[] = [];
  const tasks: ChainTaskLine[] = [];
  const found = await readJsonLines(
    path,
    (text, lineNumber) => {
      const line = parseAuditLine(text);
      if (line.ok && line.exception) exceptions.push(line.exception);
      else if (line.ok && line.task) tasks.push(line.task);
      else if (line.ok && line.processingRequested) return;
      else if (line.ok) builder.add(line.facts);
      else skipped.push({ line: lineNumber, reason: line.reason });
    },
    (skippedLine) => skipped.push(skippedLine),
  );
  skipped.sort((a, b) => a.line - b.line);
  if (!found) return { breaches: [], skipped, unmatchedResolves: [], found: false, exceptions, tasks };
  return { breaches: builder.breaches(), skipped, unmatchedResolves: builder.unmatchedResolves, found: true, exceptions, tasks };
}
