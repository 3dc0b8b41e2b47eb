/** JSON answers shaped like IdentityIQ 8.x's (values invented), from test/fixtures/iiq/. */
import { readFileSync } from 'node:fs';

/** The fixtures there are. */
export type IiqFixtureName = 'scim-users-page' | 'scim-accounts-page' | 'scim-error-invalid-filter' | 'rest-identities-page' | 'rest-links';

/** A fresh parsed copy of the fixture (tests may change it). */
export function iiqFixture(name: IiqFixtureName): any {
  return JSON.parse(readFileSync(new URL(`../fixtures/iiq/${name}.json`, import.meta.url), 'utf8'));
}
