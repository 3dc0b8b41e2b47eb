/**
 * What the fake Identity Security Cloud stores and how it renders it: identities with their
 * accounts, search documents, /v3/accounts items, ISC error bodies, and the little of ISC's
 * search syntax the watchdog uses.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FakeResponse } from './fake-http.js';

/** An account as the fake stores it; `disabled` undefined = ISC does not say. */
export interface FakeIscAccount {
  id: string;
  name: string;
  nativeIdentity: string;
  sourceName: string;
  disabled?: boolean;
  locked?: boolean;
  /** When ISC last modified the account (ISO instant): tests that re-enable one set it. Undefined: not since the fake started. */
  modified?: string;
}
/** An identity; its lifecycle state is `attributes.cloudLifecycleState`. */
export interface FakeIscIdentity {
  id: string;
  name: string;
  displayName: string;
  attributes: Record<string, unknown>;
  accounts: FakeIscAccount[];
  /** ISC's `processingState` ("ERROR" when identity processing failed) and its details, message and stack trace included. */
  processingState?: string | null;
  processingDetails?: { date?: string; stage?: string; retryCount?: number; stackTrace?: string; message?: string };
}

/** A stable 32-hex id from a name, like ISC's object ids. */
export const hexId = (name: string): string => createHash('md5').update(name).digest('hex');

/** ISC's error body: `{detailCode, trackingId, messages: [{locale, localeOrigin, text}]}`. */
export function iscError(
  status: number,
  text: string,
  detailCode = `${status} ${STATUS_NAMES[status] ?? 'Error'}`,
  headers: Record<string, string> = {},
): FakeResponse {
  const body = { detailCode, trackingId: randomBytes(16).toString('hex'), messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }] };
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json;charset=utf-8', ...headers } };
}

/**
 * A 429 as SailPoint's OpenAPI documents it: `{"message"}` (not the standard error body, and
 * padded with spaces as in its example), Retry-After in seconds.
 */
export function rateLimited(retryAfterSeconds: number): FakeResponse {
  return {
    status: 429,
    body: JSON.stringify({ message: ' Rate Limit Exceeded ' }),
    headers: { 'content-type': 'application/json;charset=utf-8', 'retry-after': String(retryAfterSeconds) },
  };
}

/** A 401 as SailPoint's OpenAPI documents it for a missing or expired token: `{"error"}`, not the standard error body. */
export function iscUnauthorized(error: string): FakeResponse {
  return { status: 401, body: JSON.stringify({ error }), headers: { 'content-type': 'application/json;charset=utf-8' } };
}

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The identity search document (indices: identities) of an identity. */
export function searchDocument(identity: FakeIscIdentity): Record<string, unknown> {
  return {
    id: identity.id,
    name: identity.name,
    _type: 'identity',
    type: 'identity',
    displayName: identity.displayName,
    attributes: { ...identity.attributes },
    processingState: identity.processingState ?? null,
    ...(identity.processingDetails ? { processingDetails: { ...identity.processingDetails } } : {}),
    accountCount: identity.accounts.length,
    accounts: identity.accounts.map((account) => ({
      id: account.id,
      name: account.name,
      accountId: account.nativeIdentity,
      source: { id: hexId(account.sourceName), name: account.sourceName, type: 'Web Services' },
      ...(account.disabled === undefined ? {} : { disabled: account.disabled }),
      locked: account.locked ?? false,
      privileged: false,
      manuallyCorrelated: false,
    })),
  };
}

/** A `GET /v3/accounts` item. */
export function accountItem(identity: FakeIscIdentity, account: FakeIscAccount): Record<string, unknown> {
  return {
    id: account.id,
    name: account.name,
    nativeIdentity: account.nativeIdentity,
    sourceId: hexId(account.sourceName),
    sourceName: account.sourceName,
    identityId: identity.id,
    ...(account.disabled === undefined ? {} : { disabled: account.disabled }),
    locked: account.locked ?? false,
    uncorrelated: false,
    authoritative: false,
    systemAccount: false,
    manuallyCorrelated: false,
    hasEntitlements: true,
    attributes: { displayName: account.name },
    ...(account.modified === undefined ? {} : { modified: account.modified }),
  };
}

/** What a search query asks for: identities in some lifecycle states, or one id. */
export type SearchQuery = { kind: 'states'; states: Set<string>; negated?: boolean } | { kind: 'id'; id: string };

const term = String.raw`"((?:[^"\\]|\\.)*)"|([^\s()"]+)`;
const unquote = (quoted: string | undefined, bare: string | undefined): string => quoted?.replace(/\\(.)/g, '$1') ?? bare ?? '';

/**
 * Parses `attributes.cloudLifecycleState:(a OR b)`, `attributes.cloudLifecycleState:a` and
 * `id:<id>` (bare or quoted); anything else is undefined (the fake answers 400). Values are
 * compared as given, like an index keyword.
 */
export function parseSearchQuery(query: unknown): SearchQuery | undefined {
  if (typeof query !== 'string') return undefined;
  // `NOT <states query>`: every identity outside those states (the not-started listing).
  const negated = /^\s*NOT\s+(.*)$/.exec(query);
  if (negated) {
    const inner = parseSearchQuery(negated[1]);
    return inner?.kind === 'states' && !inner.negated ? { ...inner, negated: true } : undefined;
  }
  const text = query.trim();
  const id = new RegExp(`^id:(?:${term})$`).exec(text);
  if (id) return { kind: 'id', id: unquote(id[1], id[2]) };
  const single = new RegExp(`^attributes\\.cloudLifecycleState:(?:${term})$`).exec(text);
  if (single) return { kind: 'states', states: new Set([unquote(single[1], single[2])]) };
  const list = /^attributes\.cloudLifecycleState:\((.*)\)$/.exec(text);
  if (!list) return undefined;
  const states = new Set<string>();
  const parts = (list[1] ?? '').split(/\s+OR\s+/);
  for (const part of parts) {
    const m = new RegExp(`^\\s*(?:${term})\\s*$`).exec(part);
    if (!m) return undefined;
    states.add(unquote(m[1], m[2]));
  }
  return { kind: 'states', states };
}

/** Parses `modified gt <instant>` (or `ge`, the instant bare or quoted): epoch ms and whether inclusive; undefined otherwise. */
export function parseModifiedFilter(filters: string | null): { sinceMs: number; inclusive: boolean } | undefined {
  const m = /^\s*modified\s+(gt|ge)\s+(?:"([^"]*)"|(\S+))\s*$/.exec(filters ?? '');
  const sinceMs = m ? Date.parse(m[2] ?? m[3] ?? '') : Number.NaN;
  return m && !Number.isNaN(sinceMs) ? { sinceMs, inclusive: m[1] === 'ge' } : undefined;
}

/**
 * The search `filters` the fake understands: `{"attributes.<name>": {"type": "EXISTS"}}`, as a
 * list of attribute names that must have a value; undefined for anything else (the fake answers 400).
 */
export function parseExistsFilters(filters: unknown): string[] | undefined {
  if (filters === undefined) return [];
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) return undefined;
  const names: string[] = [];
  for (const [field, filter] of Object.entries(filters)) {
    const m = /^attributes\.([A-Za-z0-9_]+)$/.exec(field);
    if (!m || typeof filter !== 'object' || filter === null || (filter as { type?: unknown }).type !== 'EXISTS') return undefined;
    names.push(m[1] as string);
  }
  return names;
}

/** Parses `identityId eq "<id>"` (the one /v3/accounts filter the watchdog sends per identity). */
export function parseAccountsFilter(filters: string | null): string | undefined {
  const m = /^\s*identityId\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(filters ?? '');
  return m ? unquote(m[1], undefined) : undefined;
}

/** `queryResultFilter.includes`: keeps the named fields; `a.b` keeps `b` of the object (or of each element of the array) `a`. */
export function includeFields(doc: Record<string, unknown>, includes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nested = new Map<string, string[]>();
  for (const path of includes) {
    const [head, ...rest] = path.split('.');
    if (head === undefined || !(head in doc)) continue;
    if (rest.length === 0) out[head] = doc[head];
    else nested.set(head, [...(nested.get(head) ?? []), rest.join('.')]);
  }
  for (const [head, paths] of nested) {
    if (head in out) continue; // the whole field is already in
    const value = doc[head];
    const pick = (item: unknown): unknown =>
      item && typeof item === 'object' ? includeFields(item as Record<string, unknown>, paths) : item;
    out[head] = Array.isArray(value) ? value.map(pick) : pick(value);
  }
  return out;
}
