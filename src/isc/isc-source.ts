import type {
  Account,
  AccountsRead,
  Identity,
  IdentityLookup,
  IdentitySource,
  ProcessingRequestOutcome,
} from '../source/identity-source.js';
import { SourceReadError } from '../source/source-read-error.js';
import { processAccepted } from './task-result.js';
import { iscReadError } from './errors.js';
import type { IscHttp } from './http.js';
import { LIFECYCLE_ATTRIBUTE, accountPage, searchPage, type LeaverStates } from './schema.js';
import { iscRoute, type IscApiPaths } from './api-paths.js';

/** How the ISC adapter reads. */
export interface IscSourceOptions {
  /** `limit` of a search page: 1–250 (ISC serves at most 250). */
  pageSize: number;
  /** `isc.lifecycleStates`: the technical names that make a leaver. */
  lifecycleStates: readonly string[];
  /** `isc.apiPaths`: SailPoint's versioned paths (`v3`, the default) or the per-resource ones (`v1`). */
  apiPaths?: IscApiPaths | undefined;
}

/** The most identity ids one processing request may carry (ISC refuses more). */
export const PROCESS_BATCH_SIZE = 250;

/** ISC's page of `GET /v3/accounts` (its maximum `limit`). */
export const ACCOUNTS_PAGE_SIZE = 250;
/** `limit` of an `id:` lookup: one document is expected, a few allow for a loose match. */
const LOOKUP_LIMIT = 10;
/**
 * The document fields the watchdog reads (`queryResultFilter.includes`): a real identity
 * document also carries its access, apps and entitlements, tens of kilobytes a leaver, 250 a page.
 */
export const SEARCH_INCLUDES = [
  'id',
  'name',
  'displayName',
  'attributes',
  'accounts.source',
  'accounts.disabled',
  // Only the state and the stage: processingDetails.message and stackTrace can carry personal data.
  'processingState',
  'processingDetails.stage',
];

/** One term of ISC's search syntax: bare when it is a plain word (as ISC's own ids and technical names are), else quoted. */
export function searchTerm(value: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * `attributes.cloudLifecycleState:(inactive OR terminated)`. Each state is named as configured
 * and in lower case, so the query finds it whichever way the index compares case.
 */
export function leaverQuery(lifecycleStates: readonly string[]): string {
  const terms = [...new Set(lifecycleStates.flatMap((state) => [state, state.toLowerCase()]))].map(searchTerm);
  return `attributes.${LIFECYCLE_ATTRIBUTE}:(${terms.join(' OR ')})`;
}

/**
 * Identity Security Cloud adapter: leavers from the search index, paged with
 * `searchAfter` over a sort on `id` (never offsets: ISC caps offset + limit at 10,000);
 * accounts from `/v3/accounts`, which is current where the index lags; one identity by an
 * `id:` search when it is no longer listed. Every path comes from iscRoute (`isc.apiPaths`).
 */
export function createIscSource(http: IscHttp, options: IscSourceOptions): IdentitySource {
  const leaverStates: LeaverStates = new Set(options.lifecycleStates.map((state) => state.toLowerCase()));
  const query = leaverQuery(options.lifecycleStates);
  const pageSchema = searchPage(leaverStates);
  const search = iscRoute(options.apiPaths ?? 'v3', 'search');
  const listAccounts = iscRoute(options.apiPaths ?? 'v3', 'listAccounts');
  const searchLabel = `${search.method} ${search.path}`;
  const processRoute = iscRoute(options.apiPaths ?? 'v3', 'processIdentities');

  /** One request per 250 identities; a refused batch fails each of its identities (classified only). */
  async function requestProcessing(identities: readonly { id: string; name: string }[]): Promise<ProcessingRequestOutcome[]> {
    const outcomes: ProcessingRequestOutcome[] = [];
    for (let start = 0; start < identities.length; start += PROCESS_BATCH_SIZE) {
      const batch = identities.slice(start, start + PROCESS_BATCH_SIZE);
      try {
        const body = { identityIds: batch.map((identity) => identity.id) };
        const { taskId } = await http.postJson(
          processRoute.path,
          body,
          processAccepted,
          `${processRoute.method} ${processRoute.path}`,
          processRoute.headers,
        );
        outcomes.push(...batch.map((): ProcessingRequestOutcome => ({ kind: 'accepted', taskId })));
      } catch (error) {
        if (!(error instanceof SourceReadError)) throw error;
        outcomes.push(...batch.map((): ProcessingRequestOutcome => ({ kind: 'failed', error: error.classified })));
      }
    }
    return outcomes;
  }

  async function fetchAccountsOf(identityId: string): Promise<Account[]> {
    const label = `${listAccounts.method} ${listAccounts.path}`;
    const filter = encodeURIComponent(`identityId eq ${JSON.stringify(identityId)}`);
    const accounts: Account[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ;) {
      const page = await http.getJson(
        `${listAccounts.path}?filters=${filter}&limit=${ACCOUNTS_PAGE_SIZE}&offset=${offset}`,
        accountPage,
        label,
        listAccounts.headers,
      );
      for (const account of page) {
        if (account.identityId !== undefined && account.identityId !== identityId) {
          throw iscReadError(
            `ISC ${label} answered an account of identity ${account.identityId} when asked for ${identityId}: the filter was not applied`,
          );
        }
        if (seen.has(account.id))
          throw iscReadError(`ISC ${label} paging loop: the page at offset ${offset} repeats account ${account.id}`);
        seen.add(account.id);
        accounts.push({ application: account.application, status: account.status });
      }
      if (page.length < ACCOUNTS_PAGE_SIZE) return accounts;
      offset += page.length;
    }
  }

  /**
   * The owners of the accounts ISC modified after `since`, sorted by `modified` so accounts
   * modified while paging move to the end instead of shifting the pages already read. A repeat
   * is harmless (owners are a set); a page of nothing new means ISC ignored the offset.
   */
  async function fetchChangedOwners(since: Date): Promise<ReadonlySet<string>> {
    const label = `${listAccounts.method} ${listAccounts.path} (modified)`;
    const filter = encodeURIComponent(`modified gt ${since.toISOString()}`);
    const seen = new Set<string>();
    const owners = new Set<string>();
    for (let offset = 0; ;) {
      const page = await http.getJson(
        `${listAccounts.path}?filters=${filter}&sorters=modified&limit=${ACCOUNTS_PAGE_SIZE}&offset=${offset}`,
        accountPage,
        label,
        listAccounts.headers,
      );
      if (page.length > 0 && page.every((account) => seen.has(account.id)))
        throw iscReadError(`ISC ${label} paging loop: the page at offset ${offset} holds only accounts already listed`);
      for (const account of page) {
        seen.add(account.id);
        if (account.identityId !== undefined) owners.add(account.identityId);
      }
      if (page.length < ACCOUNTS_PAGE_SIZE) return owners;
      offset += page.length;
    }
  }

  /** Every document of one identity search, paged with searchAfter over a sort on id. */
  async function* searchAll(criteria: Record<string, unknown>, label: string): AsyncIterable<Identity[]> {
    const seen = new Set<string>();
    let searchAfter: string | undefined;
    for (;;) {
      const request = {
        indices: ['identities'],
        ...criteria,
        queryResultFilter: { includes: SEARCH_INCLUDES },
        sort: ['id'],
        ...(searchAfter === undefined ? {} : { searchAfter: [searchAfter] }),
      };
      const page = await http.postJson(`${search.path}?limit=${options.pageSize}`, request, pageSchema, label, search.headers);
      for (const identity of page) {
        if (seen.has(identity.id)) {
          throw iscReadError(
            `ISC ${label} paging loop: the page after ${searchAfter ?? 'the start'} repeats identity ${identity.id}; listing stopped`,
          );
        }
        seen.add(identity.id);
      }
      if (page.length > 0) yield page;
      // A short page is the last; ISC never serves more than 250, and pageSize is at most that.
      if (page.length < options.pageSize) return;
      searchAfter = (page[page.length - 1] as Identity).id;
    }
  }

  return {
    fetchChangedAccountOwners: fetchChangedOwners,

    requestProcessing,

    listInactiveIdentities: () => searchAll({ query: { query } }, searchLabel),

    // The EXISTS filter lets ISC leave out identities without a termination date; the dates are compared by the watchdog.
    listNotStartedIdentities: (terminationDateAttribute: string) =>
      searchAll(
        {
          query: { query: `NOT ${query}` },
          filters: { [`attributes.${terminationDateAttribute}`]: { type: 'EXISTS' } },
        },
        `${searchLabel} (NOT ${query}, attributes.<terminationDateAttribute> EXISTS)`,
      ),

    async fetchAccounts(identity: Identity): Promise<AccountsRead> {
      // Never from the search document: it lags; a deleted identity shows up as not listed instead.
      return { kind: 'accounts', accounts: await fetchAccountsOf(identity.id) };
    },

    async lookupIdentity(ref): Promise<IdentityLookup> {
      const request = {
        indices: ['identities'],
        query: { query: `id:${searchTerm(ref.id)}` },
        queryResultFilter: { includes: SEARCH_INCLUDES },
      };
      const page = await http.postJson(`${search.path}?limit=${LOOKUP_LIMIT}`, request, pageSchema, `${searchLabel} (id:)`, search.headers);
      const identity = page.find((candidate) => candidate.id === ref.id);
      return identity ? { kind: 'found', identity } : { kind: 'gone' };
    },
  };
}
