import type { Logger } from 'pino';
import { appendJsonLine } from './local-file.js';

/** One audit line per processing request the source accepted (the watchdog's only write to it). */
export interface ProcessingRequestedRecord {
  event_action: 'processing-requested';
  identity_id: string;
  identity_name: string;
  requested_at: string;
  /** The source's task id (ISC TASK_RESULT id, IIQ TaskResult id); null when it gave none. */
  source_task_id: string | null;
}

/** Appends the records; a failure is logged with the records, never fatal (the requests were made). */
export async function appendProcessingRequestedRecords(
  records: readonly ProcessingRequestedRecord[],
  auditPath: string,
  logger: Logger,
): Promise<void> {
  for (const record of records) {
    try {
      await appendJsonLine(auditPath, record);
    } catch (error) {
      logger.error({ path: auditPath, error: (error as Error).message, record }, 'audit log could not be written');
    }
  }
}
