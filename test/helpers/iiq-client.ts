/**
 * The IIQ HTTP client the adapter unit tests talk through: Basic auth, no retry delay, and the
 * transport production uses (undici's dispatch), answered by the file's msw handlers.
 */
import { createBasicAuth } from '../../src/iiq/auth.js';
import { createIiqHttp, type IiqHttp, type IiqHttpOptions } from '../../src/iiq/http.js';
import { Secret } from '../../src/secrets.js';
import { mswDispatcher } from './msw.js';

/** Basic credentials the tests' IIQ accepts; the password must never show up in what they assert on. */
export const TEST_IIQ_USER = { username: 'watchdog', password: 's3cret-pw' };

/**
 * A client for `baseUrl` with 4 request slots, a 2 s timeout and `retries` immediate retries, on
 * undici's dispatch through `mswDispatcher()` (call useMswServer first); any option may be overridden.
 */
export function testIiqClient(baseUrl: string, options: Partial<IiqHttpOptions> = {}): IiqHttp {
  return createIiqHttp({
    baseUrl,
    auth: createBasicAuth({ kind: 'basic', username: TEST_IIQ_USER.username, password: new Secret(TEST_IIQ_USER.password) }),
    dispatcher: mswDispatcher(),
    concurrency: 4,
    timeoutMs: 2000,
    retries: 2,
    retryMinDelayMs: 0,
    ...options,
  });
}
