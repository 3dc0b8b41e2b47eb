import type { Logger } from 'pino';
import { z } from 'zod';
import { SourceReadError } from '../../source/source-read-error.js';
import type { IiqHttp } from '../http.js';

/** IIQ's SCIM Account schema, served at `/scim/v2/Schemas/<this id>`. */
export const ACCOUNT_SCHEMA_URN = 'urn:ietf:params:scim:schemas:sailpoint:1.0:Account';

/** The Account attributes the watchdog reads: owner, application, and status (`active`, or `inactive` on older releases). */
export const WANTED_ACCOUNT_ATTRIBUTES = ['identity', 'application', 'active', 'inactive'] as const;

/** A SCIM Schema resource (RFC 7643 section 7): only the declared attribute names matter here. */
const scimSchemaResource = z.object({
  attributes: z.array(z.object({ name: z.string().min(1) })),
});

/** What to send as `attributes=` (undefined: send none, read whole accounts), and why. */
export interface AccountAttributesChoice {
  attributes: string | undefined;
  reason: string;
}

/**
 * Pure: the `attributes=` value from the names the server's Account schema declares. Never an
 * undeclared name (IIQ 8.x declares `active`, not `inactive`). Without a declared owner and
 * application, or without any declared status, nothing is narrowed: a status IIQ sends anyway
 * is still seen, and an account without one stays unknown (counted, never taken as disabled).
 */
export function chooseAccountAttributes(declared: readonly string[]): AccountAttributesChoice {
  const names = new Set(declared.map((name) => name.toLowerCase()));
  const asked = WANTED_ACCOUNT_ATTRIBUTES.filter((name) => names.has(name));
  if (!names.has('identity') || !names.has('application')) {
    return { attributes: undefined, reason: 'the Account schema declares no identity or application attribute: whole accounts are read' };
  }
  if (!names.has('active') && !names.has('inactive')) {
    return {
      attributes: undefined,
      reason:
        'the Account schema declares neither active nor inactive: whole accounts are read, and an account without a status counts as not disabled',
    };
  }
  return { attributes: asked.join(','), reason: `asking only for ${asked.join(', ')} (declared by the Account schema)` };
}

/**
 * Reads the Account schema once and chooses `attributes=`. A schema that cannot be read (an
 * older IIQ, a proxy, an error) means no `attributes=` at all rather than a guess.
 */
export async function readAccountAttributes(http: IiqHttp, logger: Logger | undefined): Promise<string | undefined> {
  let declared: string[];
  try {
    const resource = await http.getJson(`/scim/v2/Schemas/${ACCOUNT_SCHEMA_URN}`, scimSchemaResource, 'GET /scim/v2/Schemas/{Account}');
    declared = resource.attributes.map((attribute) => attribute.name);
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    logger?.warn({ error: error.message }, 'SCIM Account schema could not be read: accounts are read whole (no attributes=)');
    return undefined;
  }
  const choice = chooseAccountAttributes(declared);
  logger?.[choice.attributes === undefined ? 'warn' : 'info'](
    { accountAttributes: choice.attributes ?? null },
    `SCIM Account attributes: ${choice.reason}`,
  );
  return choice.attributes;
}
