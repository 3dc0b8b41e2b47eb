import { z } from 'zod';
import type { TaskCompletionStatus, TaskRun } from '../../sla/chain-task.js';
import { iiqId } from '../parse.js';
import { scimListResponse } from './schema.js';

const KNOWN_STATUSES = new Set<string>(['Success', 'Warning', 'Error', 'Terminated', 'TempError']);

// IIQ 8.x sends ISO 8601 with an offset ("2026-11-21T01:42:13.907-05:00"); some plugins send epoch milliseconds.
const taskInstant = z
  .union([
    z.string().refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date-time'),
    z.number().int(),
  ])
  .transform((value) => (typeof value === 'number' ? value : Date.parse(value)));

/**
 * One SCIM TaskResult (`urn:ietf:params:scim:schemas:sailpoint:1.0:TaskResult`) as the watchdog
 * keeps it: name, status and instants. `messages` and `attributes` are never read: they name identities.
 */
export const scimTaskResult = z
  .object({
    id: iiqId,
    name: z.string(),
    completionStatus: z.string().nullish(),
    launched: taskInstant.nullish(),
    completed: taskInstant.nullish(),
  })
  .transform((result): TaskRun & { id: string } => ({
    id: result.id,
    name: result.name,
    completionStatus: statusOf(result.completionStatus),
    launchedMs: result.launched ?? undefined,
    completedMs: result.completed ?? undefined,
  }));

/** `GET /scim/v2/TaskResults` page. */
export const scimTaskResultPage = scimListResponse(scimTaskResult);

function statusOf(status: string | null | undefined): TaskCompletionStatus | undefined {
  if (status === undefined || status === null || status === '') return undefined;
  return KNOWN_STATUSES.has(status) ? (status as TaskCompletionStatus) : 'other';
}
