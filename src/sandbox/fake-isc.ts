/**
 * A fake SailPoint Identity Security Cloud serving what the watchdog reads: the token
 * endpoint, identity search with searchAfter and server-capped pages, /v3/accounts paged by
 * offset, identity processing, a search index that can lag behind the accounts, the rate limit
 * (429 + Retry-After) and the error bodies of SailPoint's OpenAPI. Both path sets: the versioned
 * (`/v3/search`, `/v3/accounts`, `/beta/identities/process`) and the per-resource ones
 * (`/search/v1`, `/accounts/v1`, `/identities/v1/process`, the last experimental: refused
 * without `X-SailPoint-Experimental: true`). For the demo, the end-to-end tests and the
 * benchmark; binds 127.0.0.1:0.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenLocal, readBody, writeResponse, type FakeResponse } from './fake-http.js';
import {
  accountItem,
  iscError,
  iscUnauthorized,
  parseAccountsFilter,
  parseModifiedFilter,
  includeFields,
  parseExistsFilters,
  parseSearchQuery,
  rateLimited,
  searchDocument,
  type FakeIscIdentity,
} from './fake-isc-data.js';

export type { FakeResponse } from './fake-http.js';
export { hexId, iscError, iscUnauthorized, rateLimited, type FakeIscAccount, type FakeIscIdentity } from './fake-isc-data.js';

/** What the fake ISC serves and how it misbehaves. */
export interface FakeIscOptions {
  identities: FakeIscIdentity[];
  /** Accepted client credentials (defaults 'watchdog-client' / 'isc-demo-secret'). */
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (default 720 = 12 min; fractions allowed). */
  tokenTtlSeconds?: number;
  /** Added before every answer (default 0). */
  latencyMs?: number;
  /** The server caps `limit` to this (default 250, as ISC does). */
  maxPageSize?: number;
  /** Rolling-window limit over answered requests; false turns it off (default 100 per 10 s). */
  rateLimit?: { limit: number; windowMs: number } | false;
  /** When set, an accepted processing request moves its identities to this lifecycle state, as processing a termination would. */
  processedLifecycleState?: string;
  /** Consulted before auth; `attempt` is 1-based per method + path + query + body. */
  fault?: (req: {
    method: string;
    path: string;
    query: URLSearchParams;
    body: string;
    attempt: number;
    authorization: string | undefined;
  }) => FakeResponse | undefined;
}

/** A running fake ISC. `identities` is the truth (/v3/accounts); the search index follows it unless lagging. */
export interface FakeIsc {
  url: string;
  identities: FakeIscIdentity[];
  /** Every access token issued (leak tests look for them). */
  issuedTokens: string[];
  stats: {
    requests: number;
    byRoute: Record<string, number>;
    inFlight: number;
    maxInFlight: number;
    rateLimited: number;
    /** The most requests that arrived within any rolling window of `rateLimit.windowMs` (10 s when off). */
    maxInWindow: number;
    /** Search requests that used `offset` (the watchdog never should). */
    offsetSearches: number;
    /** Requests by path (no query): which path set the client used. */
    byPath: Record<string, number>;
    /** `/v3/accounts` pages answered for a `modified gt` filter (reads of changed accounts). */
    changeReadPages: number;
  };
  /** The `identityIds` of every accepted processing request, in order. */
  processRequests: string[][];
  /** Identity ids the lifecycle listing leaves out (an index caught mid-update) while an `id:` search still finds them. */
  hiddenFromListing: Set<string>;
  /** Freezes the search index as the identities are now: searches answer from it until catchUpIndex(). */
  lagIndex(): void;
  catchUpIndex(): void;
  /** Expires every issued token at once (the next request gets a 401). */
  expireTokens(): void;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_WINDOW = 10_000;
const json = (status: number, value: unknown): FakeResponse => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json;charset=utf-8' },
});

/** ISC's documented maxima of `limit`: search 10,000, collections 250 (SailPoint's OpenAPI). */
const SEARCH_LIMIT_MAX = 10_000;
const COLLECTION_LIMIT_MAX = 250;
/** At most this many identity ids per processing request. */
const PROCESS_IDS_MAX = 250;

/** The route of a path under either path set; `experimental`: refused without the experimental header. */
function routeOf(method: string, path: string): { route: string; experimental: boolean } {
  switch (path) {
    case '/oauth/token':
      return { route: 'token', experimental: false };
    case '/v3/search':
    case '/search/v1':
      return { route: 'search', experimental: false };
    case '/v3/accounts':
    case '/accounts/v1':
      return { route: 'accounts', experimental: false };
    case '/beta/identities/process':
      return { route: 'process', experimental: false };
    case '/identities/v1/process':
      return { route: 'process', experimental: true };
    default:
      return { route: `unknown ${method}`, experimental: false };
  }
}

/** Starts a fake ISC on 127.0.0.1 (free port); `url` is the API base (like https://acme.api.identitynow.com). */
export async function startFakeIsc(options: FakeIscOptions): Promise<FakeIsc> {
  const clientId = options.clientId ?? 'watchdog-client';
  const clientSecret = options.clientSecret ?? 'isc-demo-secret';
  const cap = Math.max(1, options.maxPageSize ?? 250);
  const limit = options.rateLimit === false ? undefined : (options.rateLimit ?? { limit: 100, windowMs: 10_000 });
  const windowMs = limit?.windowMs ?? MAX_WINDOW;
  const tokens = new Map<string, number>();
  const attempts = new Map<string, number>();
  const arrivals: number[] = []; // every arrival within the window (the stat)
  const answered: number[] = []; // answered (non-429) arrivals within the window (the limit)
  const timers = new Set<NodeJS.Timeout>();
  let index: FakeIscIdentity[] | undefined;
  let sorted: { source: FakeIscIdentity[]; key: string; list: FakeIscIdentity[] } | undefined;
  let closed = false;

  const fake: FakeIsc = {
    url: '',
    identities: options.identities,
    issuedTokens: [],
    hiddenFromListing: new Set(),
    stats: {
      requests: 0,
      byRoute: {},
      inFlight: 0,
      maxInFlight: 0,
      rateLimited: 0,
      maxInWindow: 0,
      offsetSearches: 0,
      byPath: {},
      changeReadPages: 0,
    },
    processRequests: [],
    lagIndex: () => void (index = structuredClone(fake.identities)),
    catchUpIndex: () => void (index = undefined),
    expireTokens: () => {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    resetStats() {
      Object.assign(fake.stats, {
        requests: 0,
        byRoute: {},
        maxInFlight: fake.stats.inFlight,
        rateLimited: 0,
        maxInWindow: 0,
        offsetSearches: 0,
        byPath: {},
        changeReadPages: 0,
      });
      arrivals.length = 0;
      attempts.clear();
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      return server.close();
    },
  };

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const now = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const { route, experimental } = routeOf(method, url.pathname);
    const { stats } = fake;
    stats.requests++;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    stats.byPath[url.pathname] = (stats.byPath[url.pathname] ?? 0) + 1;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.once('close', () => {
      stats.inFlight--;
    });
    while (arrivals.length > 0 && (arrivals[0] as number) <= now - windowMs) arrivals.shift();
    arrivals.push(now);
    stats.maxInWindow = Math.max(stats.maxInWindow, arrivals.length);
    const body = await readBody(req);
    const key = `${method} ${url.pathname}${url.search} ${body}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (options.latencyMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, options.latencyMs);
        timers.add(t);
      });
    }
    if (closed) return;
    const reply =
      options.fault?.({ method, path: url.pathname, query: url.searchParams, body, attempt, authorization: req.headers.authorization }) ??
      limited(now) ??
      answer(method, url, route, req.headers.authorization, body, experimental && !experimentalHeader(req.headers));
    if (!reply.hang) writeResponse(res, reply);
  }

  function limited(now: number): FakeResponse | undefined {
    if (!limit) return undefined;
    while (answered.length > 0 && (answered[0] as number) <= now - limit.windowMs) answered.shift();
    if (answered.length < limit.limit) {
      answered.push(now);
      return undefined;
    }
    fake.stats.rateLimited++;
    return rateLimited(Math.max(1, Math.ceil(((answered[0] as number) + limit.windowMs - now) / 1000)));
  }

  function answer(
    method: string,
    url: URL,
    route: string,
    authorization: string | undefined,
    body: string,
    missingExperimentalHeader: boolean,
  ): FakeResponse {
    if (route === 'token') return token(method, body);
    // A 401 is the gateway's `{"error"}`, not the standard error body (SailPoint's OpenAPI).
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const expiry = bearer === undefined ? undefined : tokens.get(bearer);
    if (expiry === undefined) return iscUnauthorized('JWT validation failed: no valid bearer token');
    if (Date.now() >= expiry) return iscUnauthorized('JWT validation failed: JWT is expired');
    if (missingExperimentalHeader)
      return iscError(403, `${url.pathname} is experimental: send the X-SailPoint-Experimental: true header`, '403 Forbidden');
    if (route === 'search')
      return method === 'POST' ? search(url.searchParams, body) : iscError(405, `Method not allowed: POST ${url.pathname}`);
    if (route === 'accounts') return method === 'GET' ? accounts(url.searchParams) : iscError(405, 'Method not allowed');
    if (route === 'process') return method === 'POST' ? processIdentities(body) : iscError(405, 'Method not allowed');
    return iscError(404, `No resource at ${url.pathname}`, '404 Not found');
  }

  function processIdentities(text: string): FakeResponse {
    let request: { identityIds?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return iscError(400, 'The request body is not valid JSON.', '400.0 Bad request syntax');
    }
    const ids = request.identityIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > PROCESS_IDS_MAX || !ids.every((id) => typeof id === 'string'))
      return iscError(400, `identityIds must list 1 to ${PROCESS_IDS_MAX} identity ids`, '400.1 Bad request content');
    fake.processRequests.push(ids);
    const state = options.processedLifecycleState;
    if (state !== undefined)
      for (const identity of fake.identities) if (ids.includes(identity.id)) identity.attributes.cloudLifecycleState = state;
    return json(202, { type: 'TASK_RESULT', id: randomBytes(16).toString('hex'), name: null });
  }

  function token(method: string, body: string): FakeResponse {
    if (method !== 'POST') return json(405, { error: 'invalid_request' });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return json(401, { error: 'invalid_client', error_description: 'Bad credentials' });
    }
    const ttl = options.tokenTtlSeconds ?? 720;
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, Date.now() + ttl * 1000);
    fake.issuedTokens.push(accessToken);
    return json(200, { access_token: accessToken, token_type: 'bearer', expires_in: ttl, scope: 'sp:scopes:all' });
  }

  function pageBounds(q: URLSearchParams, defaultLimit: number, maxLimit: number): { limit: number; offset: number } | FakeResponse {
    const asked = Number(q.get('limit') ?? defaultLimit);
    const offset = Number(q.get('offset') ?? 0);
    if (!Number.isInteger(asked) || asked < 0 || !Number.isInteger(offset) || offset < 0)
      return iscError(400, 'limit and offset must be non-negative integers', '400.1 Bad request content');
    if (asked > maxLimit) return iscError(400, `limit must be at most ${maxLimit}`, '400.1 Bad request content');
    return { limit: Math.min(asked, cap), offset };
  }

  function search(q: URLSearchParams, text: string): FakeResponse {
    let request: {
      indices?: unknown;
      query?: { query?: unknown };
      filters?: unknown;
      sort?: unknown;
      searchAfter?: unknown;
      queryResultFilter?: { includes?: unknown };
    };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return iscError(400, 'The request body is not valid JSON.', '400.0 Bad request syntax');
    }
    if (!Array.isArray(request.indices) || !request.indices.includes('identities'))
      return iscError(400, 'indices must include identities', '400.1 Bad request content');
    const query = parseSearchQuery(request.query?.query);
    if (!query) return iscError(400, `Unsupported query: ${String(request.query?.query)}`, '400.1 Bad request content');
    const exists = parseExistsFilters(request.filters);
    if (!exists) return iscError(400, `Unsupported filters: ${JSON.stringify(request.filters)}`, '400.1 Bad request content');
    const bounds = pageBounds(q, 250, SEARCH_LIMIT_MAX);
    if ('status' in bounds) return bounds;
    if (q.has('offset')) fake.stats.offsetSearches++;
    // ISC's search caps the window of offset paging.
    if (bounds.offset + bounds.limit > 10_000)
      return iscError(400, 'The request was syntactically correct but its content is semantically invalid.', '400.1 Bad request content');
    const sortById = Array.isArray(request.sort) && request.sort.length === 1 && request.sort[0] === 'id';
    const after = request.searchAfter;
    if (after !== undefined && (!sortById || !Array.isArray(after) || after.length !== 1 || typeof after[0] !== 'string')) {
      return iscError(400, 'searchAfter needs sort ["id"] and one value', '400.1 Bad request content');
    }
    const population = index ?? fake.identities;
    let list: FakeIscIdentity[];
    if (query.kind === 'id') {
      list = population.filter((identity) => identity.id === query.id);
    } else {
      const cacheKey = [query.negated ? 'NOT' : '', ...query.states, '', ...exists].join('\n');
      if (!sorted || sorted.source !== population || sorted.key !== cacheKey || after === undefined) {
        const matching = population.filter(
          (identity) =>
            query.states.has(String(identity.attributes.cloudLifecycleState)) !== (query.negated ?? false) &&
            exists.every((name) => ![undefined, null, ''].includes(identity.attributes[name] as string | null | undefined)) &&
            !fake.hiddenFromListing.has(identity.id),
        );
        if (sortById) matching.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        sorted = { source: population, key: cacheKey, list: matching };
      }
      list = sorted.list;
    }
    let start = bounds.offset;
    if (Array.isArray(after)) {
      const last = after[0] as string;
      let low = 0;
      let high = list.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if ((list[middle] as FakeIscIdentity).id <= last) low = middle + 1;
        else high = middle;
      }
      start = low;
    }
    const includes = request.queryResultFilter?.includes;
    const render = Array.isArray(includes)
      ? (i: FakeIscIdentity) => includeFields(searchDocument(i), includes as string[])
      : searchDocument;
    const reply = json(200, list.slice(start, start + bounds.limit).map(render));
    if (q.get('count') === 'true') reply.headers = { ...reply.headers, 'x-total-count': String(list.length) };
    return reply;
  }

  function accounts(q: URLSearchParams): FakeResponse {
    const changed = parseModifiedFilter(q.get('filters'));
    if (changed) return modifiedAccounts(q, changed);
    const identityId = parseAccountsFilter(q.get('filters'));
    if (identityId === undefined) return iscError(400, `Unsupported filter: ${q.get('filters') ?? '(none)'}`, '400.1 Bad request content');
    const bounds = pageBounds(q, 250, COLLECTION_LIMIT_MAX);
    if ('status' in bounds) return bounds;
    const identity = fake.identities.find((candidate) => candidate.id === identityId);
    const all = identity ? identity.accounts.map((account) => accountItem(identity, account)) : [];
    const reply = json(200, all.slice(bounds.offset, bounds.offset + bounds.limit));
    if (q.get('count') === 'true') reply.headers = { ...reply.headers, 'x-total-count': String(all.length) };
    return reply;
  }

  /** Accounts modified after an instant, oldest first when `sorters=modified` (as ISC sorts them). */
  function modifiedAccounts(q: URLSearchParams, since: { sinceMs: number; inclusive: boolean }): FakeResponse {
    const sorters = q.get('sorters');
    if (sorters !== null && sorters !== 'modified' && sorters !== '-modified')
      return iscError(400, `Unsupported sorter: ${sorters}`, '400.1 Bad request content');
    const bounds = pageBounds(q, 250, COLLECTION_LIMIT_MAX);
    if ('status' in bounds) return bounds;
    fake.stats.changeReadPages++;
    const matching: { modifiedMs: number; item: Record<string, unknown> }[] = [];
    for (const identity of fake.identities) {
      for (const account of identity.accounts) {
        const modifiedMs = account.modified === undefined ? Number.NaN : Date.parse(account.modified);
        if (since.inclusive ? modifiedMs >= since.sinceMs : modifiedMs > since.sinceMs)
          matching.push({ modifiedMs, item: accountItem(identity, account) });
      }
    }
    if (sorters !== null) matching.sort((a, b) => (sorters === 'modified' ? a.modifiedMs - b.modifiedMs : b.modifiedMs - a.modifiedMs));
    return json(
      200,
      matching.slice(bounds.offset, bounds.offset + bounds.limit).map((entry) => entry.item),
    );
  }

  const server = await listenLocal(onRequest);
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

/** `X-SailPoint-Experimental: true` (header names are case-insensitive; node lower-cases them). */
function experimentalHeader(headers: http.IncomingHttpHeaders): boolean {
  const value = headers['x-sailpoint-experimental'];
  return (Array.isArray(value) ? value[0] : value)?.trim().toLowerCase() === 'true';
}
