import type { Config } from '../config/config.js';
import { PROCESSING_REQUEST_INTERVAL_HOURS } from '../sla/processing-request.js';

/** What `check` says about processing requests for stalled leavers (`leaver.requestProcessing`): no request is sent. */
export interface ProcessingRequestsCheck {
  enabled: boolean;
  /** IIQ only: the workflow launched per leaver, when `iiq.refreshWorkflow` is set. */
  workflow?: string;
  /** IIQ only: whether `iiq.refreshWorkflow` is set (without it IIQ is never asked). */
  workflowSet?: boolean;
  /** False when on but nothing can be sent (IIQ without a workflow name). */
  ok: boolean;
  detail: string;
}

/** Reads the config only: `check` never asks the source to process anyone. */
export function describeProcessingRequests(config: Config): ProcessingRequestsCheck {
  const enabled = config.leaver.requestProcessing;
  const when = `${config.leaver.requestProcessingAfterMinutes} min after termination, again every ${PROCESSING_REQUEST_INTERVAL_HOURS} h while still active`;
  if (config.source.kind === 'isc') {
    const path = config.source.apiPaths === 'v1' ? '/identities/v1/process' : '/beta/identities/process';
    return {
      enabled,
      ok: true,
      detail: enabled
        ? `on: leavers still active are sent to ISC identity processing (POST ${path}, up to 250 a request) ${when}; needs scope idn:identity:process (or idn:identity:manage) and ORG_ADMIN or HELPDESK`
        : 'off (leaver.requestProcessing is false): leavers still active are paged, never sent to ISC for processing',
    };
  }
  const workflow = config.source.refreshWorkflow;
  const workflowSet = workflow !== undefined;
  if (!enabled)
    return {
      enabled,
      workflowSet,
      ...(workflow === undefined ? {} : { workflow }),
      ok: true,
      detail: `off (leaver.requestProcessing is false): leavers still active are paged, never refreshed by the watchdog; iiq.refreshWorkflow ${workflowSet ? `is "${workflow}"` : 'is not set'}`,
    };
  if (workflow === undefined)
    return {
      enabled,
      workflowSet,
      ok: false,
      detail:
        'PROBLEM: on, but iiq.refreshWorkflow is not set, so IIQ is never asked: import docs/iiq-refresh-workflow.xml into IIQ and set iiq.refreshWorkflow to its name',
    };
  return {
    enabled,
    workflowSet,
    workflow,
    ok: true,
    detail: `on: workflow "${workflow}" is launched for each leaver still active (POST /scim/v2/LaunchedWorkflows) ${when}; the account needs the SCIM LaunchedWorkflows right`,
  };
}
