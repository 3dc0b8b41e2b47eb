import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { IscConfig } from '../config/config.js';
import { RollingWindowPacer } from '../http/rolling-window-pacer.js';
import { createTokenCache, requestClientCredentialsToken } from '../source/token-cache.js';
import type { IdentitySource } from '../source/identity-source.js';
import { createIscHttp, type IscHttp } from './http.js';
import { createIscSource } from './isc-source.js';

/** ISC's rate-limit window (about 100 requests per 10 s per client, then 429). */
export const ISC_WINDOW_MS = 10_000;
/**
 * Added to the window: a start is stamped on our clock just before the request leaves; ISC
 * stamps it on arrival. A quarter second covers event-loop and network jitter at 2.5 % of the pace.
 */
export const ISC_WINDOW_MARGIN_MS = 250;

const HINT =
  'check ISC_CLIENT_ID/ISC_CLIENT_SECRET (a personal access token or API client of this tenant, not expired or deleted) and isc.baseUrl';

/** What the ISC source is built with (tests inject the clock and the wait). */
export interface IscSourceDeps {
  dispatcher: Dispatcher;
  logger?: Logger | undefined;
  /** Told each new access token (the log redactor). */
  onSecret?: ((value: string) => void) | undefined;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The ISC source of an `isc` config section, and the client under it (for request counts). */
export function createIscIdentitySource(isc: IscConfig, deps: IscSourceDeps): { source: IdentitySource; http: IscHttp } {
  const credentials = isc.credentials;
  if (credentials.kind !== 'isc') throw new Error('ISC credentials were not loaded for this command');
  const timeoutMs = isc.timeoutSeconds * 1000;
  const pacer = new RollingWindowPacer({
    limit: isc.maxRequestsPer10Seconds,
    windowMs: ISC_WINDOW_MS,
    marginMs: ISC_WINDOW_MARGIN_MS,
    nowMs: deps.nowMs,
    sleep: deps.sleep,
  });
  const tokenUrl = `${isc.baseUrl}/oauth/token`;
  const auth = createTokenCache({
    hint: HINT,
    nowMs: deps.nowMs,
    onToken: deps.onSecret,
    requestToken: () =>
      requestClientCredentialsToken({
        label: 'ISC',
        classifiedLabel: 'ISC POST /oauth/token',
        url: tokenUrl,
        urlKey: 'isc.baseUrl',
        caFileKey: 'isc.caFile',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret.reveal(),
        }).toString(),
        dispatcher: deps.dispatcher,
        timeoutMs,
        hint: HINT,
        notFoundMessage: `ISC has no token endpoint at ${tokenUrl} (HTTP 404): isc.baseUrl must be the API host, e.g. https://acme.api.identitynow.com`,
        // Token requests count toward the same limit as every other request.
        pacer,
        serverTextIn: 'detail',
      }),
  });
  const http = createIscHttp({
    baseUrl: isc.baseUrl,
    auth,
    dispatcher: deps.dispatcher,
    pacer,
    concurrency: isc.concurrency,
    timeoutMs,
    retries: isc.retries,
    retryMinDelayMs: isc.retryMinDelayMs,
    logger: deps.logger,
    sleep: deps.sleep,
  });
  return { source: createIscSource(http, { pageSize: isc.pageSize, lifecycleStates: isc.lifecycleStates, apiPaths: isc.apiPaths }), http };
}
