import { z } from 'zod';
import { iiqId as id, isJsonObject, isNullishBoolean, withFastPath } from '../parse.js';
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

/** `GET /rest/identities` page. */
export const restIdentityPage = z.object({
  count: z.number().int().min(0),
  objects: z.array(restIdentity),
});

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
