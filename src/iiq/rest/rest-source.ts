import { SourceReadError } from '../../source/source-read-error.js';
import type { IiqHttp } from '../http.js';
import { offsetPages } from '../parse.js';
import { encodePathSegment, isDotSegment } from '../path-segment.js';
import type { AccountsRead, Identity, IdentityLookup, IdentitySource } from '../../source/identity-source.js';
import { withRestApiHint } from './api-hint.js';
import { restIdentity, restIdentityPage, restLinks } from './schema.js';

/**
 * IIQ's REST API answers an unknown identity with a JSON object (e.g. `{"message": ...}`). An
 * HTML or empty 404 comes from something in front of IIQ and is a failed read.
 */
export function isRestNotFound(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

/** IIQ REST adapter: identities paged with start/limit, links and lookups per identity name. */
export function createRestSource(http: IiqHttp, pageSize: number): IdentitySource {
  async function lookupIdentity(ref: { id: string; name: string }): Promise<IdentityLookup> {
    refuseDotName(ref, 'GET /rest/identities/{name}');
    const path = `/rest/identities/${encodePathSegment(ref.name)}`;
    const answer = await http.getJsonOrNotFound(path, isRestNotFound, restIdentity, 'GET /rest/identities/{name}');
    if (answer.kind === 'not-found') return { kind: 'gone' };
    const identity = answer.body;
    if (identity.id === ref.id) return { kind: 'found', identity };
    // IIQ matches names without regard to case, so "JDoe" may come back as "jdoe".
    if (identity.name.toLowerCase() !== ref.name.toLowerCase()) {
      // Another identity under another name: the server routed the path elsewhere.
      throw new SourceReadError(
        `IIQ GET ${path} answered identity "${identity.name}" (${identity.id}) when asked for "${ref.name}" (${ref.id})`,
        {
          classified: `IIQ GET ${path}: answered another identity`,
        },
      );
    }
    // The name now belongs to another identity: the one the incident is about no longer exists under it.
    return { kind: 'gone' };
  }

  /** Pages `GET /rest/identities` with one filter (sent as written: '=' is legal in a query value). */
  async function* listIdentities(filter: string, label: string): AsyncIterable<Identity[]> {
    const pages = offsetPages({
      label,
      fetchPage: (start) =>
        http
          .getJson(`/rest/identities?filter=${filter}&start=${start}&limit=${pageSize}`, restIdentityPage, label)
          .catch((error: unknown) => {
            throw start === 0 ? withRestApiHint(error) : error;
          }),
      itemsOf: (page) => page.objects,
      totalOf: (page) => page.count,
      firstPosition: 0,
    });
    for await (const page of pages) yield page.objects;
  }

  return {
    listInactiveIdentities: () => listIdentities('inactive==true', 'GET /rest/identities'),

    // `&&` percent-encoded, so it survives as part of the one filter value.
    listNotStartedIdentities: (terminationDateAttribute: string) =>
      listIdentities(
        `inactive==false%26%26${encodeURIComponent(terminationDateAttribute)}!=null`,
        'GET /rest/identities?filter=inactive==false&&<terminationDateAttribute>!=null',
      ),

    async fetchAccounts(identity: Identity): Promise<AccountsRead> {
      refuseDotName(identity, 'GET /rest/identities/{name}/links');
      const path = `/rest/identities/${encodePathSegment(identity.name)}/links`;
      const answer = await http.getJsonOrNotFound(path, isRestNotFound, restLinks, 'GET /rest/identities/{name}/links');
      if (answer.kind === 'not-found') {
        // IIQ just listed this identity: confirm "gone" on the identity itself, so that a links
        // path some server routed elsewhere never closes an incident.
        if ((await lookupIdentity(identity)).kind === 'gone') return { kind: 'identity-gone' };
        throw new SourceReadError(
          `IIQ GET ${path} answered 404 for identity "${identity.name}", which IIQ still has: its name cannot be read through this path (a proxy or server rewriting it?); use api "scim"`,
          { classified: `IIQ GET ${path}: HTTP 404 for an existing identity` },
        );
      }
      return { kind: 'accounts', accounts: answer.body };
    },

    lookupIdentity,
  };
}

/**
 * An identity named `.` or `..` cannot be read safely by path (a server may normalise even
 * `%2E%2E` and answer for another path, whose 404 would look like "gone"): its read fails, naming
 * the identity, and SCIM (which addresses identities by id) is the way to read it.
 */
function refuseDotName(ref: { id: string; name: string }, label: string): void {
  if (!isDotSegment(ref.name)) return;
  throw new SourceReadError(
    `IIQ ${label}: identity "${ref.name}" (${ref.id}) cannot be read by name through the REST API: a server in front of IIQ may take "${ref.name}" as a folder and answer for another path; set "api": "scim" in the iiq section (SCIM reads identities by id)`,
    { classified: `IIQ ${label}: a name of dots cannot be read by path` },
  );
}
