import { z } from 'zod';
import { SourceReadError } from '../../source/source-read-error.js';
import type { ProcessingRequestOutcome } from '../../source/identity-source.js';
import type { IiqHttp } from '../http.js';

export const LAUNCHED_WORKFLOW_PATH = '/scim/v2/LaunchedWorkflows';
export const LAUNCHED_WORKFLOW_SCHEMA = 'urn:ietf:params:scim:schemas:sailpoint:1.0:LaunchedWorkflow';
const TASK_RESULT_SCHEMA = 'urn:ietf:params:scim:schemas:sailpoint:1.0:TaskResult';

/**
 * The launch request: IIQ reads the workflow name and input only under the LaunchedWorkflow
 * schema's own key; a flat body gets 404 "Resource Workflow null not found".
 */
export function launchedWorkflowBody(workflowName: string, identityName: string): unknown {
  return {
    schemas: [LAUNCHED_WORKFLOW_SCHEMA, TASK_RESULT_SCHEMA],
    [LAUNCHED_WORKFLOW_SCHEMA]: { workflowName, input: [{ key: 'identityName', value: identityName }] },
  };
}

// The 201 answer is the launched workflow's TaskResult; only its id is kept, and a missing one is no failure.
const launchedAnswer = z
  .object({ id: z.string().nullish() })
  .nullish()
  .catch(undefined)
  .transform((raw): string | undefined => (raw?.id?.trim() ? raw.id : undefined));

/** Launches `workflowName` once per identity (IIQ takes one identity a launch), one after another. */
export async function launchRefreshWorkflows(
  http: Pick<IiqHttp, 'postJson'>,
  workflowName: string,
  identities: readonly { id: string; name: string }[],
): Promise<ProcessingRequestOutcome[]> {
  const outcomes: ProcessingRequestOutcome[] = [];
  for (const identity of identities) {
    try {
      const answer = await http.postJson(LAUNCHED_WORKFLOW_PATH, launchedWorkflowBody(workflowName, identity.name));
      outcomes.push({ kind: 'accepted', taskId: launchedAnswer.parse(answer) });
    } catch (error) {
      if (!(error instanceof SourceReadError)) throw error;
      outcomes.push({ kind: 'failed', error: error.classified });
    }
  }
  return outcomes;
}
