/** isc.apiPaths: every operation's path and headers under each path set, and the way back from a path. */
import { describe, expect, it } from 'vitest';
import { EXPERIMENTAL_HEADER, ISC_API_PATHS, iscRoute, operationOfPath, type IscOperation } from '../../../src/isc/api-paths.js';
import { iscRightsHint } from '../../../src/isc/rights.js';

describe('iscRoute', () => {
  it.each<[(typeof ISC_API_PATHS)[number], IscOperation, string, string, Record<string, string>]>([
    ['v3', 'search', 'POST', '/v3/search', {}],
    ['v3', 'listAccounts', 'GET', '/v3/accounts', {}],
    ['v3', 'processIdentities', 'POST', '/beta/identities/process', {}],
    ['v1', 'search', 'POST', '/search/v1', {}],
    ['v1', 'listAccounts', 'GET', '/accounts/v1', {}],
    ['v1', 'processIdentities', 'POST', '/identities/v1/process', { 'X-SailPoint-Experimental': 'true' }],
  ])('%s %s → %s %s', (apiPaths, operation, method, path, headers) => {
    const route = iscRoute(apiPaths, operation);
    expect(route).toEqual({ method, path, headers });
  });

  it('never carries credentials, and the routes cannot be changed by a caller', () => {
    for (const apiPaths of ISC_API_PATHS) {
      for (const operation of ['search', 'listAccounts', 'processIdentities'] as const) {
        const route = iscRoute(apiPaths, operation);
        expect(Object.keys(route.headers).map((h) => h.toLowerCase())).not.toContain('authorization');
        expect(Object.isFrozen(route.headers)).toBe(true);
      }
    }
    expect(EXPERIMENTAL_HEADER).toBe('X-SailPoint-Experimental');
  });

  it('operationOfPath finds the operation and path set of each path, and nothing for others', () => {
    expect(operationOfPath('/accounts/v1')).toEqual({ apiPaths: 'v1', operation: 'listAccounts' });
    expect(operationOfPath('/v3/search')).toEqual({ apiPaths: 'v3', operation: 'search' });
    expect(operationOfPath('/beta/identities/process')).toEqual({ apiPaths: 'v3', operation: 'processIdentities' });
    expect(operationOfPath('/v3/accounts/abc')).toBeUndefined();
    expect(operationOfPath('/oauth/token')).toBeUndefined();
  });
});

describe('iscRightsHint (what a 403 asks for)', () => {
  it.each<[IscOperation | undefined, string]>([
    ['listAccounts', 'idn:accounts:read and the user level ORG_ADMIN, SOURCE_ADMIN, SOURCE_SUBADMIN or HELPDESK'],
    ['search', 'sp:search:read and the user level ORG_ADMIN, CERT_ADMIN'],
    ['processIdentities', 'idn:identity:manage and the user level ORG_ADMIN or HELPDESK'],
    [undefined, 'check the rights of the PAT or API client'],
  ])('%s', (operation, expected) => {
    expect(iscRightsHint(operation)).toContain(expected);
  });
});
