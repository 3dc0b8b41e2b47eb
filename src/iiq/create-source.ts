import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { IiqConfig } from '../config/config.js';
import type { SourceAuth } from '../source/source-auth.js';
import { createBasicAuth } from './auth.js';
import { createIiqHttp, type IiqHttp } from './http.js';
import { createOAuthAuth } from './oauth.js';
import { createRestSource } from './rest/rest-source.js';
import { createScimSource } from './scim/scim-source.js';
import { fetchTaskResults } from './scim/task-results.js';
import { launchRefreshWorkflows } from './scim/launched-workflow.js';
import type { IdentitySource } from '../source/identity-source.js';

// A task keeps a handful of results: small pages keep each answer small.
const TASK_RESULTS_PAGE_SIZE = 100;

/** The IIQ source (REST or SCIM) of an `iiq` config section, and the HTTP client under it (for request counts). */
export function createIiqIdentitySource(
  iiq: IiqConfig,
  deps: { dispatcher: Dispatcher; logger?: Logger | undefined; onSecret?: ((value: string) => void) | undefined },
): { source: IdentitySource; http: IiqHttp } {
  const { dispatcher, logger, onSecret } = deps;
  const timeoutMs = iiq.timeoutSeconds * 1000;
  const credentials = iiq.credentials;
  if (credentials.kind !== 'basic' && credentials.kind !== 'oauth') throw new Error('IIQ credentials were not loaded for this command');
  const auth: SourceAuth =
    credentials.kind === 'basic'
      ? createBasicAuth(credentials)
      : createOAuthAuth({ baseUrl: iiq.baseUrl, credentials, dispatcher, timeoutMs, onToken: onSecret });
  const http = createIiqHttp({
    baseUrl: iiq.baseUrl,
    auth,
    dispatcher,
    concurrency: iiq.concurrency,
    timeoutMs,
    retries: iiq.retries,
    retryMinDelayMs: iiq.retryMinDelayMs,
  });
  const source =
    iiq.api === 'rest'
      ? createRestSource(http, iiq.pageSize)
      : createScimSource(http, { pageSize: iiq.pageSize, accountsBulk: iiq.scimAccountsBulk, logger });
  // REST mode too: task results are served by IIQ's SCIM endpoint only.
  source.readTaskResults = (taskName) => fetchTaskResults(http, taskName, Math.min(iiq.pageSize, TASK_RESULTS_PAGE_SIZE));
  // Both API modes launch through SCIM; without a workflow name IIQ is never asked.
  const workflow = iiq.refreshWorkflow;
  if (workflow !== undefined) source.requestProcessing = (identities) => launchRefreshWorkflows(http, workflow, identities);
  return { source, http };
}
