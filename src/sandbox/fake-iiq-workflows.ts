/**
 * The fake IIQ's `POST /scim/v2/LaunchedWorkflows`, shaped like IIQ 8.x: the workflow name and
 * input are read only under the LaunchedWorkflow schema's own key (a flat body gets IIQ's 404
 * "Resource Workflow null not found."), an unknown workflow is a 404 naming it, and a launch
 * answers 201 with the launched workflow's TaskResult.
 */
import { randomBytes } from 'node:crypto';
import type { FakeResponse } from './fake-http.js';

export const FAKE_LAUNCHED_WORKFLOW_SCHEMA = 'urn:ietf:params:scim:schemas:sailpoint:1.0:LaunchedWorkflow';
const TASK_RESULT_SCHEMA = 'urn:ietf:params:scim:schemas:sailpoint:1.0:TaskResult';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SCIM_JSON = 'application/scim+json;charset=UTF-8';

/** The refresh workflow the fake IIQ knows by default (the one docs/iiq-refresh-workflow.xml defines). */
export const FAKE_REFRESH_WORKFLOW = 'Leaver Watchdog Refresh Identity';

/** One launch the fake accepted. */
export interface FakeLaunchedWorkflow {
  workflowName: string;
  /** The `identityName` input, if given. */
  identityName: string | undefined;
}

const scim = (status: number, value: unknown): FakeResponse => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': SCIM_JSON },
});
const scimError = (status: number, detail: string): FakeResponse =>
  scim(status, { schemas: [ERROR_SCHEMA], detail, status: String(status) });

/** Answers one launch; `launch` is told each accepted one (the refresh itself). */
export function launchWorkflow(
  body: string,
  knownWorkflows: readonly string[],
  launch: (launched: FakeLaunchedWorkflow) => void,
  base: string,
): FakeResponse {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return scimError(400, 'Unable to parse the request body');
  }
  const nested =
    typeof request === 'object' && request !== null ? (request as Record<string, unknown>)[FAKE_LAUNCHED_WORKFLOW_SCHEMA] : undefined;
  const ext = typeof nested === 'object' && nested !== null ? (nested as { workflowName?: unknown; input?: unknown }) : {};
  const workflowName = typeof ext.workflowName === 'string' ? ext.workflowName : undefined;
  if (workflowName === undefined) return scimError(404, 'Resource Workflow null not found.');
  if (!knownWorkflows.includes(workflowName)) return scimError(404, `Resource Workflow ${workflowName} not found.`);
  const input = Array.isArray(ext.input) ? (ext.input as { key?: unknown; value?: unknown }[]) : [];
  const identityName = input.find((entry) => entry.key === 'identityName')?.value;
  const launched = { workflowName, identityName: typeof identityName === 'string' ? identityName : undefined };
  launch(launched);
  const id = randomBytes(16).toString('hex');
  return scim(201, {
    schemas: [FAKE_LAUNCHED_WORKFLOW_SCHEMA, TASK_RESULT_SCHEMA],
    id,
    name: `${workflowName} - ${launched.identityName ?? 'unknown'}`,
    [FAKE_LAUNCHED_WORKFLOW_SCHEMA]: { workflowName, input },
    meta: { resourceType: 'LaunchedWorkflow', location: `${base}/scim/v2/LaunchedWorkflows/${id}` },
  });
}
