/**
 * A fake SailPoint IdentityIQ serving the endpoints the watchdog reads,
 * for the demo, the end-to-end tests and the benchmark. node:http only; binds 127.0.0.1:0.
 */
import type http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { IIQ8_ACCOUNT_ATTRIBUTES, accountSchemaResource, firstUndeclaredAttribute } from './fake-account-schema.js';
import { basicCredentials, listenLocal, readBody, writeResponse, type FakeResponse } from './fake-http.js';
import { FAKE_REFRESH_WORKFLOW, launchWorkflow, type FakeLaunchedWorkflow } from './fake-iiq-workflows.js';

export { FAKE_REFRESH_WORKFLOW, type FakeLaunchedWorkflow } from './fake-iiq-workflows.js';

/** Canned answer for the fault hook (defined with the shared HTTP plumbing). */
export type { FakeResponse } from './fake-http.js';
/** IIQ 8.x's Account schema attribute names (see fake-account-schema.ts). */
export { IIQ8_ACCOUNT_ATTRIBUTES } from './fake-account-schema.js';
/** Deterministic populations (see fake-population.ts). */
export { generatePopulation } from './fake-population.js';

/** An IIQ Link (account) as the fake stores it; `disabled` undefined = IIQ does not say. */
export interface FakeLink {
  id: string;
  application: string;
  nativeIdentity: string;
  displayName: string;
  disabled?: boolean;
  locked?: boolean;
  /**
   * When an aggregation last saw this account change (ISO instant): tests that re-enable an
   * account set it, as IIQ's aggregation would. Undefined: not refreshed since the fake started.
   */
  lastRefresh?: string;
}
/** An IIQ identity with its links. */
export interface FakeIdentity {
  id: string;
  name: string;
  displayName: string;
  inactive: boolean;
  attributes: Record<string, unknown>;
  links: FakeLink[];
}
/** An IIQ TaskResult (GET /scim/v2/TaskResults); `completed` and `completionStatus` absent while it runs. */
export interface FakeTaskResult {
  id: string;
  name: string;
  /** ISO 8601 with an offset, as IIQ 8.x sends them. */
  launched: string;
  completed?: string;
  completionStatus?: 'Success' | 'Warning' | 'Error' | 'Terminated' | 'TempError';
  /** What the watchdog must never copy (IIQ's messages name identities). */
  messages?: { type: string; localizedMessage: string }[];
}
/** What the fake IIQ serves and how it misbehaves. */
export interface FakeIiqOptions {
  identities: FakeIdentity[];
  /** Task results served at /scim/v2/TaskResults (default none). */
  taskResults?: FakeTaskResult[];
  /** Added before every answer, fault answers included (default 0). */
  latencyMs?: number;
  /** HTTP Basic credentials accepted (defaults 'watchdog' / 'demo-password'). */
  username?: string;
  password?: string;
  /** Enables POST /identityiq/oauth2/token (client_credentials) and Bearer tokens (TTL default 3600 s; fractions allowed). */
  oauth?: { clientId: string; clientSecret: string; tokenTtlSeconds?: number };
  /** The server caps limit/count to this (default 1000; SCIM never above 1000), so clients must advance by what came back. */
  maxPageSize?: number;
  /** Consulted before auth; `path` is the full raw pathname (e.g. /identityiq/scim/v2/Users); attempt is 1-based per method+path+query. */
  fault?: (req: { method: string; path: string; query: URLSearchParams; attempt: number }) => FakeResponse | undefined;
  /**
   * Attribute names the SCIM Account schema declares (GET /scim/v2/Schemas/<Account urn>); default
   * IIQ 8.x's (`active`, no `inactive`). Accounts carry `active` only when it is declared, and an
   * `attributes=` naming anything undeclared is refused with 400 invalidValue. `null`: the schema
   * endpoint answers 404 (an IIQ that does not serve it); the default names still apply.
   */
  accountSchemaAttributes?: readonly string[] | null;
  /** Behave like Apache httpd in front of IIQ with AllowEncodedSlashes Off: any path holding %2F gets its HTML 404. */
  rejectEncodedSlashes?: boolean;
  /** The clock token expiry is judged on (default Date.now): a test moves it instead of waiting a TTL out. */
  nowMs?: () => number;
  /** Workflows POST /scim/v2/LaunchedWorkflows knows (default: FAKE_REFRESH_WORKFLOW). */
  workflows?: readonly string[];
  /** True: a launched refresh makes its identity inactive, as a refresh that processes events would (default false: it stays stalled). */
  refreshMakesInactive?: boolean;
}
/** A running fake IIQ. `identities` is live: tests may mutate or replace it between cycles. */
export interface FakeIiq {
  url: string;
  identities: FakeIdentity[];
  /** Live like `identities`: tests may replace it between cycles. */
  taskResults: FakeTaskResult[];
  /** `accountReads`: account reads per identity id (REST links requests, SCIM Accounts first pages); `accountsServed`: accounts (links) in all answers. */
  stats: {
    requests: number;
    maxInFlight: number;
    inFlight: number;
    byRoute: Record<string, number>;
    tokensIssued: number;
    accountReads: Record<string, number>;
    accountsServed: number;
    /** Accounts pages answered for a `lastRefresh gt` filter (reads of changed accounts). */
    changeReadPages: number;
    /**
     * Milliseconds from each request's arrival to its answer being written, summed over the
     * answered requests: the fake's own time per request (its latency, its timer's lateness
     * and its CPU), which bounds how close a client can come to the ideal.
     */
    answerMsTotal: number;
    answered: number;
  };
  /** Every workflow launch the fake accepted, in order. */
  launchedWorkflows: FakeLaunchedWorkflow[];
  /** Zeroes the counters (inFlight excepted) and the fault hook's attempt counts. */
  resetStats(): void;
  close(): Promise<void>;
}

const CTX = '/identityiq';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const USER_EXT = 'urn:ietf:params:scim:schemas:sailpoint:1.0:User';
const ACCOUNT_SCHEMA = 'urn:ietf:params:scim:schemas:sailpoint:1.0:Account';
// Real IIQ answers SCIM as application/scim+json: clients must not insist on application/json.
const SCIM_JSON = 'application/scim+json;charset=UTF-8';
const APACHE_404 =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n';
const LOGIN_PAGE =
  '<html><head><title>SailPoint IdentityIQ - Login</title></head><body><form id="loginForm" action="/identityiq/login.jsf">Please log in</form></body></html>';

type Pair = [FakeIdentity, FakeLink];

const json = (status: number, value: unknown, type = 'application/json;charset=UTF-8'): FakeResponse => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': type },
});
const scimError = (status: number, detail: string, scimType?: string): FakeResponse =>
  json(status, { schemas: [ERROR_SCHEMA], ...(scimType ? { scimType } : {}), detail, status: String(status) }, SCIM_JSON);

/** SCIM `pr` and REST `!=null`: the attribute has a value. */
const isPresent = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

const appIds = new Map<string, string>();
/** A stable 32-hex application id derived from its name, like IIQ's object ids (hashed once per name: a bulk read renders 240,000 accounts). */
function appId(name: string): string {
  let id = appIds.get(name);
  if (id === undefined) appIds.set(name, (id = createHash('md5').update(name).digest('hex')));
  return id;
}

function routeOf(path: string): string {
  if (path === `${CTX}/oauth2/token`) return 'oauth.token';
  if (path === `${CTX}/rest/identities`) return 'rest.identities';
  if (/^\/identityiq\/rest\/identities\/[^/]+\/links$/.test(path)) return 'rest.links';
  if (/^\/identityiq\/rest\/identities\/[^/]+$/.test(path)) return 'rest.identity';
  if (path === `${CTX}/scim/v2/Users`) return 'scim.users';
  if (/^\/identityiq\/scim\/v2\/Users\/[^/]+$/.test(path)) return 'scim.user';
  if (path === `${CTX}/scim/v2/Accounts`) return 'scim.accounts';
  if (/^\/identityiq\/scim\/v2\/Schemas\/[^/]+$/.test(path)) return 'scim.schema';
  if (path === `${CTX}/scim/v2/TaskResults`) return 'scim.taskResults';
  if (path === `${CTX}/scim/v2/LaunchedWorkflows`) return 'scim.launchedWorkflows';
  return 'unknown';
}

/**
 * The request path as sent, with literal `.` / `..` segments resolved as any server does, but
 * percent-encoded ones (`%2E%2E`) left alone: they are part of a name. A WHATWG
 * URL parser would fold them away, which is exactly what must not happen to an identity named "..".
 */
function rawPathOf(requestTarget: string): string {
  const out: string[] = [];
  for (const segment of (requestTarget.split('?')[0] ?? '/').split('/').slice(1)) {
    if (segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/** One decoded path segment (an identity name or id), or undefined when it is malformed. */
function segmentAt(path: string, index: number): string | undefined {
  try {
    return decodeURIComponent(path.split('/')[index] ?? '');
  } catch {
    return undefined;
  }
}

const lowerCaseKeys = new Map<string, string>();
/** A resource key in lower case (the few keys resources have, lowered once each). */
function lowerCaseKey(key: string): string {
  let lower = lowerCaseKeys.get(key);
  if (lower === undefined) lowerCaseKeys.set(key, (lower = key.toLowerCase()));
  return lower;
}

/**
 * Keeps only the requested SCIM attributes (plus id, schemas); `a.b` / `urn:...:b` keep one
 * sub-attribute. The `attributes` value is split once per request, not once per resource: a bulk
 * read projects 240,000 accounts.
 */
function projection(attributes: string | null): (resource: Record<string, unknown>) => Record<string, unknown> {
  if (!attributes) return (resource) => resource;
  const wanted = attributes
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return (resource) => {
    const out: Record<string, unknown> = { schemas: resource.schemas, id: resource.id };
    for (const want of wanted) {
      for (const key in resource) {
        const k = lowerCaseKey(key);
        const value = resource[key];
        if (want === k) out[key] = value;
        else if (
          want.length > k.length + 1 &&
          want.startsWith(k) &&
          (want[k.length] === '.' || want[k.length] === ':') &&
          value &&
          typeof value === 'object'
        ) {
          const sub = Object.keys(value).find((s) => s.toLowerCase() === want.slice(k.length + 1));
          if (sub !== undefined) out[key] = { ...(out[key] as object | undefined), [sub]: (value as Record<string, unknown>)[sub] };
        }
      }
    }
    return out;
  };
}

/**
 * Lookup tables over the mutable identities array. Staleness is detected cheaply (array
 * replaced, length changed, or a looked-up slot no longer holding that name/id); list
 * snapshots are recomputed on each first page, so a new poll cycle sees the tests' edits.
 */
class Index {
  private source: FakeIdentity[] | undefined;
  private length = -1;
  private readonly pos = { name: new Map<string, number>(), id: new Map<string, number>() };
  private readonly lists = new Map<string, unknown[]>();
  constructor(private readonly current: () => FakeIdentity[]) {}

  private fresh(): FakeIdentity[] {
    const arr = this.current();
    if (arr !== this.source || arr.length !== this.length) {
      this.lists.clear();
      this.rebuild(arr);
    }
    return arr;
  }

  private rebuild(arr: FakeIdentity[]): void {
    [this.source, this.length] = [arr, arr.length];
    this.pos.name.clear();
    this.pos.id.clear();
    arr.forEach((ident, i) => {
      this.pos.name.set(ident.name, i);
      this.pos.id.set(ident.id, i);
    });
  }

  find(field: 'name' | 'id', key: string): FakeIdentity | undefined {
    for (let pass = 0; pass < 2; pass++) {
      const arr = this.fresh();
      const at = this.pos[field].get(key);
      const ident = at === undefined ? undefined : arr[at];
      if (ident && ident[field] === key) return ident;
      if (pass === 0) this.rebuild(arr); // an in-place edit may have renamed or replaced someone
    }
    return undefined;
  }

  list<T>(key: string, firstPage: boolean, compute: (arr: FakeIdentity[]) => T[]): T[] {
    const arr = this.fresh();
    let list = this.lists.get(key) as T[] | undefined;
    if (firstPage || !list) this.lists.set(key, (list = compute(arr)));
    return list;
  }
}

/** Starts a fake IdentityIQ on 127.0.0.1 (free port); `url` is the context root …/identityiq. */
export async function startFakeIiq(options: FakeIiqOptions): Promise<FakeIiq> {
  const nowMs = options.nowMs ?? Date.now;
  const username = options.username ?? 'watchdog';
  const password = options.password ?? 'demo-password';
  const restCap = Math.max(1, options.maxPageSize ?? 1000);
  const scimCap = Math.min(restCap, 1000);
  const attempts = new Map<string, number>();
  const tokens = new Map<string, number>(); // token → expiry (epoch ms)
  const timers = new Set<NodeJS.Timeout>();
  const stats: FakeIiq['stats'] = {
    requests: 0,
    maxInFlight: 0,
    inFlight: 0,
    byRoute: {},
    tokensIssued: 0,
    accountReads: {},
    accountsServed: 0,
    changeReadPages: 0,
    answerMsTotal: 0,
    answered: 0,
  };
  let base = '';
  let closed = false;
  const fake: FakeIiq = {
    url: '',
    identities: options.identities,
    taskResults: options.taskResults ?? [],
    launchedWorkflows: [],
    stats,
    resetStats() {
      Object.assign(stats, { requests: 0, maxInFlight: stats.inFlight, tokensIssued: 0 });
      stats.byRoute = {};
      stats.accountReads = {};
      stats.accountsServed = 0;
      stats.changeReadPages = 0;
      stats.answerMsTotal = 0;
      stats.answered = 0;
      attempts.clear();
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t); // latency waits would otherwise outlive the server
      return server.close();
    },
  };
  const index = new Index(() => fake.identities);
  const accountSchema = options.accountSchemaAttributes === undefined ? IIQ8_ACCOUNT_ATTRIBUTES : options.accountSchemaAttributes;
  const declaredAccountAttributes = new Set((accountSchema ?? IIQ8_ACCOUNT_ATTRIBUTES).map((name) => name.toLowerCase()));
  const undeclaredByAttributes = new Map<string, string | undefined>();

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const arrivedMs = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake'); // for the query only: its pathname folds %2E%2E away
    const path = rawPathOf(req.url ?? '/');
    const method = req.method ?? 'GET';
    const route = routeOf(path);
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    res.once('close', () => {
      stats.inFlight--;
    }); // fires on finish and on a dropped connection
    // A GET without a body (every read) skips the stream: an async iterator per request is the fake's CPU, not IIQ's.
    const body = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined ? '' : await readBody(req);
    const key = `${method} ${path}${url.search}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const latency = options.latencyMs ?? 0;
    if (latency > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, latency);
        timers.add(t);
      });
    }
    if (closed) return;
    const reply =
      options.fault?.({ method, path, query: url.searchParams, attempt }) ??
      (options.rejectEncodedSlashes && /%2f/i.test(path)
        ? { status: 404, body: APACHE_404, headers: { 'content-type': 'text/html; charset=iso-8859-1' } }
        : undefined) ??
      answer(method, path, url.searchParams, route, req.headers.authorization, body);
    if (reply.hang) return;
    writeResponse(res, reply);
    stats.answerMsTotal += performance.now() - arrivedMs;
    stats.answered++;
  }

  function refresh(launched: FakeLaunchedWorkflow): void {
    fake.launchedWorkflows.push(launched);
    if (!options.refreshMakesInactive) return;
    const identity = fake.identities.find((candidate) => candidate.name === launched.identityName);
    if (identity) identity.inactive = true;
  }

  function authorized(header: string | undefined): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (bearer !== undefined) {
      const expiry = tokens.get(bearer);
      return options.oauth !== undefined && expiry !== undefined && nowMs() < expiry;
    }
    const cred = basicCredentials(header);
    return cred !== undefined && cred[0] === username && cred[1] === password;
  }

  function token(method: string, header: string | undefined, body: string): FakeResponse {
    const oauth = options.oauth;
    if (!oauth) return json(404, { message: 'not found' });
    if (method !== 'POST') return json(405, { error: 'invalid_request' });
    const cred = basicCredentials(header);
    if (!cred || cred[0] !== oauth.clientId || cred[1] !== oauth.clientSecret) return json(401, { error: 'invalid_client' });
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    const ttl = oauth.tokenTtlSeconds ?? 3600;
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, nowMs() + ttl * 1000);
    stats.tokensIssued++;
    return json(200, { access_token: accessToken, token_type: 'bearer', expires_in: ttl });
  }

  function answer(method: string, path: string, q: URLSearchParams, route: string, auth: string | undefined, body: string): FakeResponse {
    const scim = path.startsWith(`${CTX}/scim/`);
    if (route === 'oauth.token') return token(method, auth, body);
    if (!authorized(auth)) {
      return scim
        ? scimError(401, 'Authentication failed')
        : {
            status: 401,
            body: LOGIN_PAGE,
            headers: { 'content-type': 'text/html;charset=UTF-8', 'www-authenticate': 'Basic realm="IdentityIQ"' },
          };
    }
    if (route === 'unknown') return scim ? scimError(404, `No resource at ${path}`) : json(404, { message: 'not found' });
    if (route === 'scim.launchedWorkflows' && method === 'POST')
      return launchWorkflow(body, options.workflows ?? [FAKE_REFRESH_WORKFLOW], refresh, base);
    if (method !== 'GET')
      return { ...json(405, { message: 'method not allowed' }), headers: { 'content-type': 'application/json', allow: 'GET' } };
    if (route === 'rest.identities') return restIdentities(q);
    if (route === 'rest.links') return restLinks(path);
    if (route === 'rest.identity') return restIdentity(path);
    if (route === 'scim.users') return scimUsers(q);
    if (route === 'scim.user') return scimUser(path);
    if (route === 'scim.schema') return scimSchema(path);
    if (route === 'scim.taskResults') return scimTaskResults(q);
    return scimAccounts(q);
  }

  function restIdentity(path: string): FakeResponse {
    const name = segmentAt(path, 4);
    if (name === undefined) return json(400, { message: 'malformed identity name' });
    const ident = index.find('name', name);
    if (!ident) return json(404, { message: `Identity ${name} not found` });
    const { id, displayName, inactive, attributes } = ident;
    return json(200, { id, name, displayName, inactive, attributes });
  }

  function renderUser(i: FakeIdentity): Record<string, unknown> {
    return {
      schemas: [USER_SCHEMA, USER_EXT],
      id: i.id,
      userName: i.name,
      displayName: i.displayName,
      active: !i.inactive,
      [USER_EXT]: { ...i.attributes },
      meta: { resourceType: 'User', location: `${base}/scim/v2/Users/${i.id}` },
    };
  }

  function scimUser(path: string): FakeResponse {
    const id = segmentAt(path, 5);
    const ident = id === undefined ? undefined : index.find('id', id);
    return ident ? json(200, renderUser(ident), SCIM_JSON) : scimError(404, `Resource ${id ?? ''} not found`);
  }

  function scimSchema(path: string): FakeResponse {
    const id = segmentAt(path, 5);
    if (id !== ACCOUNT_SCHEMA || accountSchema === null) return scimError(404, `Schema ${id ?? ''} not found`);
    return json(200, accountSchemaResource(accountSchema, `${base}/scim/v2/Schemas/${ACCOUNT_SCHEMA}`), SCIM_JSON);
  }

  function restIdentities(q: URLSearchParams): FakeResponse {
    const filter = q.get('filter') ?? '';
    const m = /^\s*inactive\s*==\s*(true|false)\s*(?:&&\s*([A-Za-z0-9_]+)\s*!=\s*null\s*)?$/.exec(filter);
    if (filter && !m) return json(400, { message: `Unsupported filter: ${filter}` });
    const present = m?.[2];
    const start = Number(q.get('start') ?? 0);
    const limit = Number(q.get('limit') ?? restCap);
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(limit) || limit < 0) {
      return json(400, { message: 'start and limit must be non-negative integers' });
    }
    const wanted = m?.[1] === 'true';
    const list = index.list(`rest:${m?.[1] ?? '*'}:${present ?? ''}`, start === 0, (arr) =>
      m ? arr.filter((i) => i.inactive === wanted && (present === undefined || isPresent(i.attributes[present]))) : arr.slice(),
    );
    const objects = list
      .slice(start, start + Math.min(limit, restCap))
      .map(({ id, name, displayName, inactive, attributes }) => ({ id, name, displayName, inactive, attributes }));
    return json(200, { count: list.length, objects });
  }

  function restLinks(path: string): FakeResponse {
    let name: string;
    try {
      name = decodeURIComponent(path.split('/')[4] ?? '');
    } catch {
      return json(400, { message: 'malformed identity name' });
    }
    const ident = index.find('name', name);
    if (ident) stats.accountReads[ident.id] = (stats.accountReads[ident.id] ?? 0) + 1;
    stats.accountsServed += ident?.links.length ?? 0;
    return ident ? json(200, { count: ident.links.length, objects: ident.links }) : json(404, { message: 'not found' });
  }

  /** startIndex / count per RFC 7644 3.4.2.4: startIndex < 1 means 1, count < 0 means 0. */
  function page(q: URLSearchParams): { start: number; count: number } | FakeResponse {
    const start = Number(q.get('startIndex') ?? 1);
    const count = Number(q.get('count') ?? scimCap);
    if (!Number.isInteger(start) || !Number.isInteger(count))
      return scimError(400, 'startIndex and count must be integers', 'invalidValue');
    return { start: Math.max(1, start), count: Math.min(Math.max(0, count), scimCap) };
  }

  function listResponse<T>(
    list: T[],
    p: { start: number; count: number },
    render: (t: T) => Record<string, unknown>,
    attributes: string | null,
  ): FakeResponse {
    const project = projection(attributes);
    const Resources = list.slice(p.start - 1, p.start - 1 + p.count).map((t) => project(render(t)));
    // No itemsPerPage: IIQ omits it, so clients must advance by Resources.length.
    return json(200, { schemas: [LIST_SCHEMA], totalResults: list.length, startIndex: p.start, Resources }, SCIM_JSON);
  }

  function scimUsers(q: URLSearchParams): FakeResponse {
    const filter = q.get('filter') ?? '';
    // `active eq <bool>`, optionally `and <extension urn>:<attribute> pr` (IIQ needs that attribute searchable).
    const m = new RegExp(
      `^\\s*active\\s+eq\\s+(true|false)(?:\\s+and\\s+${USER_EXT.replaceAll('.', '\\.')}:([A-Za-z0-9_]+)\\s+pr)?\\s*$`,
      'i',
    ).exec(filter);
    if (filter && !m) return scimError(400, `Invalid filter: ${filter}`, 'invalidFilter');
    const p = page(q);
    if ('status' in p) return p;
    const active = m?.[1]?.toLowerCase() === 'true';
    const present = m?.[2];
    const list = index.list(`scim:${m ? String(active) : '*'}:${present ?? ''}`, p.start === 1, (arr) =>
      m ? arr.filter((i) => !i.inactive === active && (present === undefined || isPresent(i.attributes[present]))) : arr.slice(),
    );
    return listResponse(list, p, renderUser, q.get('attributes'));
  }

  function scimTaskResults(q: URLSearchParams): FakeResponse {
    const filter = q.get('filter') ?? '';
    const sw = /^\s*name\s+sw\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
    if (filter && !sw) return scimError(400, `Invalid filter: ${filter}`, 'invalidFilter');
    const p = page(q);
    if ('status' in p) return p;
    const prefix = sw ? (JSON.parse(`"${sw[1] ?? ''}"`) as string) : '';
    const list = fake.taskResults.filter((t) => t.name.startsWith(prefix));
    return listResponse(
      list,
      p,
      (t) => ({
        schemas: ['urn:ietf:params:scim:schemas:sailpoint:1.0:TaskResult'],
        id: t.id,
        name: t.name,
        type: 'Identity',
        taskDefinition: t.name.split(' - ')[0],
        launcher: 'spadmin',
        host: 'iiq-app-01',
        launched: t.launched,
        ...(t.completed === undefined ? {} : { completed: t.completed }),
        ...(t.completionStatus === undefined ? {} : { completionStatus: t.completionStatus }),
        terminated: t.completionStatus === 'Terminated',
        pendingSignoffs: 0,
        messages: t.messages ?? [],
        attributes: [{ key: 'total', value: '512' }],
        meta: { resourceType: 'TaskResult', location: `${base}/scim/v2/TaskResults/${t.id}` },
      }),
      q.get('attributes'),
    );
  }

  function scimAccounts(q: URLSearchParams): FakeResponse {
    const filter = q.get('filter') ?? '';
    // IIQ cannot filter accounts on active/inactive and answers 500; quoted values don't count.
    if (/\b(in)?active\b/i.test(filter.replace(/"[^"]*"/g, '""'))) return scimError(500, 'Internal Server Error');
    const byIdentity = /^\s*identity\.value\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
    const byApp = /^\s*application\.displayName\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
    const changedSince = /^\s*lastRefresh\s+(gt|ge)\s+"([^"]*)"\s*$/i.exec(filter);
    const sinceMs = changedSince ? Date.parse(changedSince[2] ?? '') : Number.NaN;
    if (changedSince && Number.isNaN(sinceMs)) return scimError(400, `Invalid date in filter: ${filter}`, 'invalidValue');
    if (filter && !byIdentity && !byApp && !changedSince) return scimError(400, `Invalid filter: ${filter}`, 'invalidFilter');
    const attributes = q.get('attributes') ?? '';
    // A client sends the same attributes= on each of its 20,000 Accounts reads: judged once per value.
    if (!undeclaredByAttributes.has(attributes)) {
      undeclaredByAttributes.set(attributes, firstUndeclaredAttribute(attributes, declaredAccountAttributes));
    }
    const undeclared = undeclaredByAttributes.get(attributes);
    if (undeclared !== undefined) return scimError(400, `Attribute ${undeclared} is not defined for resource type Account`, 'invalidValue');
    const p = page(q);
    if ('status' in p) return p;
    const all = (arr: FakeIdentity[]): Pair[] => arr.flatMap((i) => i.links.map((l): Pair => [i, l]));
    let list: Pair[];
    if (byIdentity) {
      const ident = index.find('id', byIdentity[1] ?? '');
      if (ident && p.start === 1) stats.accountReads[ident.id] = (stats.accountReads[ident.id] ?? 0) + 1;
      list = ident ? ident.links.map((l): Pair => [ident, l]) : [];
    } else if (changedSince) {
      const inclusive = changedSince[1]?.toLowerCase() === 'ge';
      const refreshedMs = (l: FakeLink): number => (l.lastRefresh === undefined ? Number.NaN : Date.parse(l.lastRefresh));
      stats.changeReadPages++;
      list = index.list(`accounts:since:${filter}`, p.start === 1, (arr) =>
        all(arr).filter(([, l]) => (inclusive ? refreshedMs(l) >= sinceMs : refreshedMs(l) > sinceMs)),
      );
    } else if (byApp) {
      const app = byApp[1] ?? '';
      list = index.list(`accounts:app:${app}`, p.start === 1, (arr) => all(arr).filter(([, l]) => l.application === app));
    } else {
      list = index.list('accounts:*', p.start === 1, all);
    }
    stats.accountsServed += Math.max(0, Math.min(p.count, list.length - (p.start - 1)));
    return listResponse(
      list,
      p,
      ([i, l]) => ({
        schemas: [ACCOUNT_SCHEMA],
        id: l.id,
        identity: { value: i.id, userName: i.name, displayName: i.displayName },
        application: { value: appId(l.application), displayName: l.application },
        nativeIdentity: l.nativeIdentity,
        displayName: l.displayName,
        ...(l.disabled === undefined || !declaredAccountAttributes.has('active') ? {} : { active: !l.disabled }),
        ...(l.locked === undefined ? {} : { locked: l.locked }),
        ...(l.lastRefresh === undefined ? {} : { lastRefresh: l.lastRefresh }),
        meta: { resourceType: 'Account', location: `${base}/scim/v2/Accounts/${l.id}` },
      }),
      q.get('attributes'),
    );
  }

  const server = await listenLocal(onRequest);
  base = `http://127.0.0.1:${server.port}${CTX}`;
  fake.url = base;
  return fake;
}
