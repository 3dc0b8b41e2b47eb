import type { Logger } from 'pino';
import type { ExceptionAuditRecord } from '../sla/exception-audit.js';
import { appendJsonLine } from './local-file.js';

/** Appends exception records to the audit log; a failure is logged with the records, never fatal (nothing was sent). */
export async function appendExceptionRecords(records: readonly ExceptionAuditRecord[], auditPath: string, logger: Logger): Promise<void> {
  for (const record of records) {
    try {
      await appendJsonLine(auditPath, record);
      logger.info(
        { identity: record.identity_name, applications: record.applications, until: record.until, reason: record.reason },
        'approved exception keeps overdue accounts from paging: recorded in the audit log',
      );
    } catch (error) {
      logger.error({ path: auditPath, error: (error as Error).message, record }, 'audit log could not be written');
    }
  }
}
