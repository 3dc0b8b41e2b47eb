/**
 * Which of SailPoint's two path sets the ISC adapter speaks. `v3` is the versioned API
 * (`/v3/...`, `/beta/...`) that SailPoint retires in Q1 2029; `v1` is its per-resource successor
 * (`/<resource>/v1`). Pure: the adapter asks here for every request it sends.
 */

/** `isc.apiPaths`: the path set every ISC request uses. */
export const ISC_API_PATHS = ['v3', 'v1'] as const;
export type IscApiPaths = (typeof ISC_API_PATHS)[number];

/** The ISC operations the watchdog sends (SailPoint's operationIds: searchPost, listAccounts, startIdentityProcessing). */
export type IscOperation = 'search' | 'listAccounts' | 'processIdentities';

/** Where an operation goes, and the headers it must carry there. */
export interface IscRoute {
  method: 'GET' | 'POST';
  /** Path from the API base URL, without a query. */
  path: string;
  /** Extra request headers (never credentials). */
  headers: Readonly<Record<string, string>>;
}

/** The header SailPoint requires on an operation it marks experimental; without it ISC refuses the request. */
export const EXPERIMENTAL_HEADER = 'X-SailPoint-Experimental';

const NONE: Readonly<Record<string, string>> = Object.freeze({});
const EXPERIMENTAL: Readonly<Record<string, string>> = Object.freeze({ [EXPERIMENTAL_HEADER]: 'true' });

const ROUTES: Readonly<Record<IscApiPaths, Readonly<Record<IscOperation, IscRoute>>>> = {
  v3: {
    search: { method: 'POST', path: '/v3/search', headers: NONE },
    listAccounts: { method: 'GET', path: '/v3/accounts', headers: NONE },
    // Only the beta API has it among the versioned ones without the experimental header.
    processIdentities: { method: 'POST', path: '/beta/identities/process', headers: NONE },
  },
  v1: {
    search: { method: 'POST', path: '/search/v1', headers: NONE },
    listAccounts: { method: 'GET', path: '/accounts/v1', headers: NONE },
    // SailPoint marks identity processing experimental outside beta (v2024 onwards); search and
    // the account list are not.
    processIdentities: { method: 'POST', path: '/identities/v1/process', headers: EXPERIMENTAL },
  },
};

/** The route of `operation` under `apiPaths`. */
export function iscRoute(apiPaths: IscApiPaths, operation: IscOperation): IscRoute {
  return ROUTES[apiPaths][operation];
}

/** The operation and path set a request path belongs to; undefined for any other path. */
export function operationOfPath(path: string): { apiPaths: IscApiPaths; operation: IscOperation } | undefined {
  for (const apiPaths of ISC_API_PATHS) {
    for (const operation of ['search', 'listAccounts', 'processIdentities'] as const) {
      if (ROUTES[apiPaths][operation].path === path) return { apiPaths, operation };
    }
  }
  return undefined;
}
