import { z } from 'zod';
import { fastIiqId, fastNullishRecord, iiqId as id, isJsonObject, isNullishBoolean, isNullishString, withFastPath } from '../parse.js';
import type { Account, Identity } from '../../source/identity-source.js';

/** IIQ's SCIM extension carrying the custom identity attributes. */
export const SAILPOINT_USER_EXTENSION = 'urn:ietf:params:scim:schemas:sailpoint:1.0:User';

/** SCIM User → Identity. `userName` is the name; a missing `active` is taken from the filter that listed it. */
export const scimUser = z
  .object({
    id,
    userName: z.string().min(1),
    displayName: z.string().nullish(),
    active: z.boolean().nullish(),
    [SAILPOINT_USER_EXTENSION]: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((raw): Identity => ({
    id: raw.id,
    name: raw.userName,
    displayName: raw.displayName ?? raw.userName,
    inactive: raw.active == null ? true : !raw.active,
    attributes: raw[SAILPOINT_USER_EXTENSION] ?? {},
    lastRefresh: isoRefresh(raw[SAILPOINT_USER_EXTENSION]?.lastRefresh),
  }));

/** The extension's `lastRefresh` as the watchdog's own ISO instant (never the source's text); null when absent or unreadable. */
function isoRefresh(value: unknown): string | null {
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN;
  // A number past the Date range (1e300) is an Invalid Date, whose toISOString throws.
  const instant = new Date(ms);
  return ms > 0 && Number.isFinite(instant.getTime()) ? instant.toISOString() : null;
}

/** An account as the adapter keeps it: whose it is, which application, and its status. */
export interface ScimAccount extends Account {
  id: string;
  /** The owning identity's id; undefined for an uncorrelated account. */
  identityId: string | undefined;
}

/**
 * SCIM Account → ScimAccount. `active: false` (current IIQ) or `inactive: true` (older
 * releases) is disabled; with neither the status is unknown, never disabled.
 */
export const scimAccount = z
  .object({
    id,
    identity: z.object({ value: id }).nullish(),
    application: z
      .object({ displayName: z.string().min(1).nullish(), value: z.string().min(1).nullish() })
      .refine((app) => Boolean(app.displayName ?? app.value), 'has neither displayName nor value'),
    active: z.boolean().nullish(),
    inactive: z.boolean().nullish(),
  })
  .transform((raw): ScimAccount => ({
    id: raw.id,
    identityId: raw.identity?.value,
    application: (raw.application.displayName ?? raw.application.value) as string,
    status:
      raw.active === false || raw.inactive === true ? 'disabled' : raw.active === true || raw.inactive === false ? 'enabled' : 'unknown',
  }));

/** SCIM's error message schema. */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * A SCIM 404 is IIQ saying "no such resource" only when it is a SCIM Error with status "404"
 *; a proxy's or a framework's JSON 404 is not.
 */
export function isScimNotFound(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { schemas, status } = body as { schemas?: unknown; status?: unknown };
  return Array.isArray(schemas) && schemas.includes(SCIM_ERROR_SCHEMA) && String(status) === '404';
}

/** A SCIM ListResponse. IIQ sends no `itemsPerPage`, and may leave `Resources` out of an empty answer. */
export function scimListResponse<T extends z.ZodType>(resource: T) {
  return z.object({
    totalResults: z.number().int().min(0),
    startIndex: z.number().int().optional(),
    Resources: z.array(resource).default([]),
  });
}

/** `GET /scim/v2/Users` page, with a fast twin (20,000 identities a cycle). */
export const scimUserPage = withFastPath(scimListResponse(scimUser), (body) => fastListPage(body, fastScimUser));
/** `GET /scim/v2/Accounts` page: 1000 accounts a bulk page, read 240 times a cycle, so with a fast twin. */
export const scimAccountPage = withFastPath(scimListResponse(scimAccount), (body) => fastListPage(body, fastScimAccount));

/** scimListResponse's fast twin, each resource through `fastResource`; undefined for anything the schema must judge. */
function fastListPage<T>(
  body: unknown,
  fastResource: (resource: unknown) => T | undefined,
): { totalResults: number; startIndex?: number; Resources: T[] } | undefined {
  if (!isJsonObject(body)) return undefined;
  const { totalResults, startIndex, Resources } = body;
  if (!isCount(totalResults) || !(startIndex === undefined || Number.isSafeInteger(startIndex))) return undefined;
  if (!(Resources === undefined || Array.isArray(Resources))) return undefined;
  const resources: T[] = [];
  for (const resource of (Resources ?? []) as unknown[]) {
    const parsed = fastResource(resource);
    if (parsed === undefined) return undefined;
    resources.push(parsed);
  }
  return { totalResults, ...(startIndex === undefined ? {} : { startIndex: startIndex as number }), Resources: resources };
}

/** scimUser's fast twin: undefined for anything the schema must judge. */
function fastScimUser(raw: unknown): Identity | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { userName, displayName, active } = raw;
  const userId = fastIiqId(raw.id);
  const extension = fastNullishRecord(raw[SAILPOINT_USER_EXTENSION]);
  if (userId === undefined || typeof userName !== 'string' || userName.length === 0 || !isNullishString(displayName)) return undefined;
  if (!isNullishBoolean(active) || extension === 'no') return undefined;
  return {
    id: userId,
    name: userName,
    displayName: displayName ?? userName,
    inactive: active == null ? true : !active,
    attributes: extension ?? {},
    lastRefresh: isoRefresh(extension?.lastRefresh),
  };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** scimAccount's fast twin: undefined for anything the schema must judge. */
function fastScimAccount(resource: unknown): ScimAccount | undefined {
  if (!isJsonObject(resource)) return undefined;
  const { identity, application, active, inactive } = resource;
  const accountId = fastIiqId(resource.id);
  if (accountId === undefined || !isNullishBoolean(active) || !isNullishBoolean(inactive) || !isJsonObject(application)) return undefined;
  let identityId: string | undefined;
  if (identity !== undefined && identity !== null) {
    if (!isJsonObject(identity)) return undefined;
    identityId = fastIiqId(identity.value);
    if (identityId === undefined) return undefined;
  }
  const { displayName, value } = application;
  if (!isNullishText(displayName) || !isNullishText(value)) return undefined;
  const applicationName = displayName ?? value;
  if (applicationName === undefined || applicationName === null) return undefined;
  return {
    id: accountId,
    identityId,
    application: applicationName,
    status: active === false || inactive === true ? 'disabled' : active === true || inactive === false ? 'enabled' : 'unknown',
  };
}

/** `z.string().min(1).nullish()`'s fast twin. */
function isNullishText(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || (typeof value === 'string' && value.length > 0);
}
