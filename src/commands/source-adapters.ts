import { createIiqIdentitySource } from '../iiq/create-source.js';
import { createIscIdentitySource } from '../isc/create-isc-source.js';
import type { SourceAdapters } from '../source/create-source.js';

/** The source builders the commands use: IdentityIQ (REST or SCIM) and Identity Security Cloud. */
export const SOURCE_ADAPTERS: SourceAdapters = {
  iiq: createIiqIdentitySource,
  isc: createIscIdentitySource,
};
