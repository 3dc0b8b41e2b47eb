import type { IscOperation } from './api-paths.js';

/**
 * The scope and user levels SailPoint's OpenAPI names for each operation the watchdog sends
 * (the same under both path sets): what a 403 tells the operator to grant.
 */
export const ISC_RIGHTS: Readonly<Record<IscOperation, { scope: string; userLevels: readonly string[] }>> = {
  search: {
    scope: 'sp:search:read',
    userLevels: ['ORG_ADMIN', 'CERT_ADMIN', 'REPORT_ADMIN', 'SOURCE_ADMIN', 'SOURCE_SUBADMIN', 'ROLE_ADMIN', 'ROLE_SUBADMIN', 'HELPDESK'],
  },
  listAccounts: { scope: 'idn:accounts:read', userLevels: ['ORG_ADMIN', 'SOURCE_ADMIN', 'SOURCE_SUBADMIN', 'HELPDESK'] },
  processIdentities: { scope: 'idn:identity:manage', userLevels: ['ORG_ADMIN', 'HELPDESK'] },
};

const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;

/** What to do about a 403 on `operation` (undefined: a request outside the three, e.g. a probe). */
export function iscRightsHint(operation: IscOperation | undefined): string {
  if (operation === undefined) return 'check the rights of the PAT or API client';
  const { scope, userLevels } = ISC_RIGHTS[operation];
  return `the PAT or API client needs ${scope} and the user level ${orList(userLevels)}`;
}
