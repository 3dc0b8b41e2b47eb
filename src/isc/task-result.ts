import { z } from 'zod';

/**
 * The 202 answer of identity processing (SailPoint's TaskResultResponse): `{"type": "TASK_RESULT",
 * "id", "name"}`. The OpenAPI makes every field optional and `name` is always null, so only a
 * non-object answer is a mismatch; the task id rides along when ISC gives one.
 */
export const processAccepted = z
  .object({
    type: z.string().nullish(),
    id: z.string().nullish(),
    name: z.string().nullish(),
  })
  .transform((raw): { taskId: string | undefined } => ({ taskId: raw.id?.trim() ? raw.id : undefined }));
