import type { IiqHttp } from '../http.js';
import { PageGuard, parseIiqAnswer } from '../parse.js';
import type { AccountsRead, Identity, IdentitySource } from '../source.js';
import { withRestApiHint } from './api-hint.js';
import { restIdentityPage, restLinks } from './schema.js';

/** IIQ REST adapter (spec 4.1): identities paged with start/limit, links per identity name. */
export function createRestSource(http: IiqHttp, pageSize: number): IdentitySource {
  return {
    async *listInactiveIdentities(): AsyncIterable<Identity[]> {
      const label = 'GET /rest/identities';
      const guard = new PageGuard(label);
      let start = 0;
      for (;;) {
        // The filter is sent as the spec writes it: '=' is legal in a query value.
        const body = await http.getJson(`/rest/identities?filter=inactive==true&start=${start}&limit=${pageSize}`).catch((error: unknown) => {
          throw start === 0 ? withRestApiHint(error) : error;
        });
        const page = parseIiqAnswer(restIdentityPage, body, label);
        if (page.objects.length === 0) {
          guard.checkComplete(start, page.count);
          return;
        }
        guard.checkNew(page.objects.map((identity) => identity.id), start);
        // Servers may cap `limit`: advance by what came back, not by what was asked.
        start += page.objects.length;
        yield page.objects;
        if (start >= page.count) return;
      }
    },

    async fetchAccounts(identity: Identity): Promise<AccountsRead> {
      const path = `/rest/identities/${encodeURIComponent(identity.name)}/links`;
      const answer = await http.getJsonOrNotFound(path);
      if (answer.kind === 'not-found') return { kind: 'identity-gone' };
      return { kind: 'accounts', accounts: parseIiqAnswer(restLinks, answer.body, 'GET /rest/identities/{name}/links') };
    },
  };
}
