import type { Config } from '../config/config.js';
import type { Dispatcher } from 'undici';
import { createBasicAuth } from './auth.js';
import { createIiqHttp, type IiqHttp } from './http.js';
import { createRestSource } from './rest/rest-source.js';
import type { IdentitySource } from './source.js';

/** An identity source for the configured API, and the HTTP client under it (for request counts). */
export function createIdentitySource(config: Config, dispatcher: Dispatcher): { source: IdentitySource; http: IiqHttp } {
  const { iiq } = config;
  if (iiq.credentials.kind !== 'basic') throw new Error('iiq.auth "oauth" is not available yet');
  const http = createIiqHttp({
    baseUrl: iiq.baseUrl,
    auth: createBasicAuth(iiq.credentials),
    dispatcher,
    concurrency: iiq.concurrency,
    timeoutMs: iiq.timeoutSeconds * 1000,
    retries: iiq.retries,
    retryMinDelayMs: iiq.retryMinDelayMs,
  });
  if (iiq.api !== 'rest') throw new Error('iiq.api "scim" is not available yet');
  return { source: createRestSource(http, iiq.pageSize), http };
}
