import { z } from 'zod';
import { fastIiqId, fastNullishRecord, iiqId as id, isJsonObject, isNullishBoolean, isNullishString, withFastPath } from '../parse.js';
import type { Account, Identity } from '../../source/identity-source.js';

/** REST Identity → Identity. A missing `inactive` is taken from the filter that listed it. */
export const restIdentity = z
  .object({
    id,
    name: z.string().min(1),
    displayName: z.string().nullish(),
    inactive: z.boolean().optional(),
    attributes: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((raw): Identity => ({
    id: raw.id,
    name: raw.name,
    displayName: raw.displayName ?? raw.name,
    inactive: raw.inactive ?? true,
    attributes: raw.attributes ?? {},
  }));

/** `GET /rest/identities` page, with a fast twin (20,000 identities a cycle). */
export const restIdentityPage = withFastPath(
  z.object({
    count: z.number().int().min(0),
    objects: z.array(restIdentity),
  }),
  (body) => {
    if (!isJsonObject(body) || !Number.isSafeInteger(body.count) || (body.count as number) < 0 || !Array.isArray(body.objects))
      return undefined;
    const objects: Identity[] = [];
    for (const raw of body.objects as unknown[]) {
      const identity = fastRestIdentity(raw);
      if (identity === undefined) return undefined;
      objects.push(identity);
    }
    return { count: body.count as number, objects };
  },
);

/** restIdentity's fast twin: undefined for anything the schema must judge. */
function fastRestIdentity(raw: unknown): Identity | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { name, displayName, inactive } = raw;
  const identityId = fastIiqId(raw.id);
  const attributes = fastNullishRecord(raw.attributes);
  if (identityId === undefined || typeof name !== 'string' || name.length === 0 || !isNullishString(displayName)) return undefined;
  if (!(inactive === undefined || typeof inactive === 'boolean') || attributes === 'no') return undefined;
  return { id: identityId, name, displayName: displayName ?? name, inactive: inactive ?? true, attributes: attributes ?? {} };
}

/** REST Link → Account. Without `disabled` the status is unknown, never disabled. */
const restLink = z.object({ application: z.string().min(1), disabled: z.boolean().nullish() }).transform((raw): Account => ({
  application: raw.application,
  status: raw.disabled === true ? 'disabled' : raw.disabled === false ? 'enabled' : 'unknown',
}));

/** `GET /rest/identities/<name>/links`: `{count, objects}` or a bare array. */
export const restLinks = withFastPath(
  z.union([z.array(restLink), z.object({ objects: z.array(restLink) }).transform((page) => page.objects)]),
  (body) => {
    const links = Array.isArray(body) ? body : isJsonObject(body) && Array.isArray(body.objects) ? body.objects : undefined;
    if (links === undefined) return undefined;
    const accounts: Account[] = [];
    for (const link of links as unknown[]) {
      if (!isJsonObject(link)) return undefined;
      const { application, disabled } = link;
      if (typeof application !== 'string' || application.length === 0 || !isNullishBoolean(disabled)) return undefined;
      accounts.push({ application, status: disabled === true ? 'disabled' : disabled === false ? 'enabled' : 'unknown' });
    }
    return accounts;
  },
);
