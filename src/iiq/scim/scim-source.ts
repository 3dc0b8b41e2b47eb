import type { Logger } from 'pino';
import type { z } from 'zod';
import { SourceReadError } from '../../source/source-read-error.js';
import type { IiqHttp } from '../http.js';
import { PageGuard, offsetPages } from '../parse.js';
import { encodePathSegment } from '../path-segment.js';
import type { Account, AccountsRead, Identity, IdentityLookup, IdentitySource } from '../../source/identity-source.js';
import type { AccountIndex } from './account-index.js';
import { readAccountAttributes } from './account-schema.js';
import { BulkReadInconsistent, decideAccountsPlan, fetchAccountIndex, fetchAccountTotal } from './bulk-accounts.js';
import { SAILPOINT_USER_EXTENSION, isScimNotFound, scimAccountPage, scimUser, scimUserPage } from './schema.js';

/** How the SCIM adapter reads. */
export interface ScimSourceOptions {
  /** SCIM `count` per page. */
  pageSize: number;
  /** `iiq.scimAccountsBulk`: read every account in bulk when that takes fewer requests. */
  accountsBulk: boolean;
  /** Where the bulk plan is logged. */
  logger?: Logger | undefined;
}

/** The not-started listing as warnings name it. */
export const NOT_STARTED_LABEL = 'GET /scim/v2/Users?filter=active eq true and <terminationDateAttribute> pr';

type ListSchema = typeof scimUserPage | typeof scimAccountPage;

/**
 * Users pages requested ahead of the one being observed when accounts are read in bulk. There,
 * observing a page costs little once the accounts are in, and reading the listing one page
 * after another left 39 of 40 pages' round trips in a row after the bulk read.
 */
export const BULK_LISTING_READ_AHEAD = 4;

/** Pages a SCIM listing with startIndex (1-based) and count until totalResults (see offsetPages). */
function listScimPages<S extends ListSchema>(
  http: IiqHttp,
  pathAndQuery: string,
  schema: S,
  count: number,
  { label = `GET ${pathAndQuery.split('?')[0]}`, readAhead = 0 }: { label?: string; readAhead?: number } = {},
): AsyncGenerator<z.output<S>> {
  return offsetPages({
    label,
    // A generic over a union of schemas: zod's output type does not distribute over it by itself.
    fetchPage: (received) =>
      http.getJson(`${pathAndQuery}&startIndex=${received + 1}&count=${count}`, schema, label) as Promise<z.output<S>>,
    itemsOf: (page) => page.Resources,
    totalOf: (page) => page.totalResults,
    firstPosition: 1,
    readAhead,
  });
}

/**
 * IIQ SCIM 2.0 adapter: inactive Users paged with startIndex/count, custom attributes
 * from the SailPoint extension; Accounts per identity (`identity.value eq`), or in bulk.
 */
export function createScimSource(http: IiqHttp, options: ScimSourceOptions): IdentitySource {
  let inactiveTotal: number | undefined;
  let verifiedCleanNotDue = 0;
  let bulkIndex: Promise<AccountIndex | undefined> | undefined;
  // Read once per run (one source per run), on the first account read.
  let accountAttributes: Promise<string | undefined> | undefined;

  /** `&attributes=...` with only what the server's Account schema declares, or nothing. */
  async function attributesQuery(): Promise<string> {
    accountAttributes ??= readAccountAttributes(http, options.logger);
    const attributes = await accountAttributes;
    return attributes === undefined ? '' : `&attributes=${attributes}`;
  }

  async function fetchAccountsOf(identityId: string): Promise<Account[]> {
    const filter = encodeURIComponent(`identity.value eq ${JSON.stringify(identityId)}`);
    const accounts: Account[] = [];
    const path = `/scim/v2/Accounts?filter=${filter}${await attributesQuery()}`;
    for await (const page of listScimPages(http, path, scimAccountPage, options.pageSize)) {
      for (const account of page.Resources) {
        if (account.identityId !== undefined && account.identityId !== identityId) {
          throw new SourceReadError(
            `IIQ GET /scim/v2/Accounts answered an account of identity ${account.identityId} when asked for ${identityId}: the filter was not applied`,
            {
              classified: 'IIQ GET /scim/v2/Accounts: filter not applied',
            },
          );
        }
        accounts.push({ application: account.application, status: account.status });
      }
    }
    return accounts;
  }

  /**
   * The owners of the accounts IIQ refreshed after `since`. Accounts refreshed while paging join
   * the filtered set and can push one already read onto a later page: a repeat is harmless here
   * (owners are a set), but a page of nothing new means IIQ ignored startIndex.
   */
  async function fetchChangedOwners(since: Date): Promise<ReadonlySet<string>> {
    const label = 'GET /scim/v2/Accounts (changed)';
    const filter = encodeURIComponent(`lastRefresh gt ${JSON.stringify(since.toISOString())}`);
    const path = `/scim/v2/Accounts?filter=${filter}${await attributesQuery()}`;
    const guard = new PageGuard(label);
    const seen = new Set<string>();
    const owners = new Set<string>();
    for (let received = 0; ;) {
      const page = await http.getJson(`${path}&startIndex=${received + 1}&count=${options.pageSize}`, scimAccountPage, label);
      if (page.Resources.length === 0) {
        guard.checkComplete(received, page.totalResults);
        return owners;
      }
      if (page.Resources.every((account) => seen.has(account.id))) {
        throw new SourceReadError(`IIQ ${label} pagination loop: the page at ${received + 1} holds only accounts already listed`, {
          classified: 'IIQ GET /scim/v2/Accounts: pagination loop',
        });
      }
      for (const account of page.Resources) {
        seen.add(account.id);
        if (account.identityId !== undefined) owners.add(account.identityId);
      }
      received += page.Resources.length;
      if (received >= page.totalResults) return owners;
    }
  }

  async function planAccountReads(): Promise<AccountIndex | undefined> {
    const log = (fields: object, message: string): void => options.logger?.info(fields, message);
    if (inactiveTotal === undefined) {
      log({ plan: 'per-identity' }, 'SCIM accounts plan: per identity (the inactive identity count is not known yet)');
      return undefined;
    }
    const query = await attributesQuery();
    const plan = decideAccountsPlan(await fetchAccountTotal(http, query), inactiveTotal, verifiedCleanNotDue);
    log(plan, `SCIM accounts plan: ${plan.plan} (${plan.reason})`);
    if (plan.plan === 'per-identity') return undefined;
    try {
      return await fetchAccountIndex(http, plan.totalAccounts ?? 0, query);
    } catch (error) {
      if (!(error instanceof BulkReadInconsistent)) throw error;
      options.logger?.warn(
        { reason: error.message },
        'SCIM bulk account read was inconsistent (IIQ changed meanwhile): reading accounts per identity this cycle',
      );
      return undefined;
    }
  }

  return {
    async *listInactiveIdentities(): AsyncIterable<Identity[]> {
      bulkIndex = undefined; // a new listing is a new cycle: never answer from an older bulk read
      inactiveTotal = undefined;
      const path = `/scim/v2/Users?filter=${encodeURIComponent('active eq false')}`;
      const readAhead = options.accountsBulk ? BULK_LISTING_READ_AHEAD : 0;
      for await (const page of listScimPages(http, path, scimUserPage, options.pageSize, { readAhead })) {
        inactiveTotal ??= page.totalResults;
        yield page.Resources;
      }
    },

    async *listNotStartedIdentities(terminationDateAttribute: string): AsyncIterable<Identity[]> {
      // `pr` (present) needs the attribute to be searchable in IIQ; the dates are compared by the watchdog.
      const filter = `active eq true and ${SAILPOINT_USER_EXTENSION}:${terminationDateAttribute} pr`;
      const path = `/scim/v2/Users?filter=${encodeURIComponent(filter)}`;
      for await (const page of listScimPages(http, path, scimUserPage, options.pageSize, { label: NOT_STARTED_LABEL })) {
        yield page.Resources;
      }
    },

    expectAccountReads(outlook) {
      verifiedCleanNotDue = outlook.verifiedCleanNotDue;
    },

    async fetchAccounts(identity: Identity): Promise<AccountsRead> {
      if (options.accountsBulk) {
        bulkIndex ??= planAccountReads();
        const index = await bulkIndex;
        if (index) return { kind: 'accounts', accounts: index.accountsOf(identity.id) };
      }
      // SCIM has no 404 here: a deleted identity drops out of the Users listing instead.
      return { kind: 'accounts', accounts: await fetchAccountsOf(identity.id) };
    },

    fetchChangedAccountOwners: fetchChangedOwners,

    async lookupIdentity(ref: { id: string; name: string }): Promise<IdentityLookup> {
      const path = `/scim/v2/Users/${encodePathSegment(ref.id)}`;
      const answer = await http.getJsonOrNotFound(path, isScimNotFound, scimUser, 'GET /scim/v2/Users/{id}');
      if (answer.kind === 'not-found') return { kind: 'gone' };
      const identity = answer.body;
      if (identity.id !== ref.id) {
        throw new SourceReadError(`IIQ GET ${path} answered user ${identity.id} when asked for ${ref.id}`, {
          classified: `IIQ GET ${path}: answered another user`,
        });
      }
      return { kind: 'found', identity };
    },
  };
}
