import { parseAuditLogLine } from '../state/audit-line.js';
import { readJsonLines, type SkippedLine } from '../state/json-lines.js';
import { addToHistory, type IncidentHistory } from './replay-plan.js';

/** Streams the audit log, keeping only what concerns `keys`; a missing log is an empty history. */
export async function readAuditHistory(
  path: string,
  keys: ReadonlySet<string>,
  skip: (skipped: SkippedLine) => void = () => undefined,
): Promise<Map<string, IncidentHistory>> {
  const histories = new Map<string, IncidentHistory>([...keys].map((key) => [key, {}]));
  await readJsonLines(
    path,
    (text) => {
      const parsed = parseAuditLogLine(text);
      // A torn or foreign line, or an exception record, says nothing about our incidents' deliveries.
      if (parsed.kind === 'event') addToHistory(histories, parsed.line);
    },
    skip,
  );
  return histories;
}
