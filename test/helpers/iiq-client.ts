/** The IIQ HTTP client the adapter unit tests talk through (msw answers): Basic auth, no retry delay. */
import { Agent } from 'undici';
import { createBasicAuth } from '../../src/iiq/auth.js';
import { createIiqHttp, type IiqHttp, type IiqHttpOptions } from '../../src/iiq/http.js';
import { Secret } from '../../src/secrets.js';

/** Basic credentials the tests' IIQ accepts; the password must never show up in what they assert on. */
export const TEST_IIQ_USER = { username: 'watchdog', password: 's3cret-pw' };

/** A client for `baseUrl` with 4 request slots, a 2 s timeout and `retries` immediate retries; any option may be overridden. */
export function testIiqClient(baseUrl: string, options: Partial<IiqHttpOptions> = {}): IiqHttp {
  return createIiqHttp({
    baseUrl,
    auth: createBasicAuth({ kind: 'basic', username: TEST_IIQ_USER.username, password: new Secret(TEST_IIQ_USER.password) }),
    dispatcher: new Agent(),
    concurrency: 4,
    timeoutMs: 2000,
    retries: 2,
    retryMinDelayMs: 0,
    ...options,
  });
}
