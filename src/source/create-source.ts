import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { SourceConfig } from '../config/config.js';
import { createIiqIdentitySource } from '../iiq/create-source.js';
import { createIscIdentitySource } from '../isc/create-isc-source.js';
import type { IdentitySource } from './identity-source.js';

/** How many requests a source has sent (attempts, not calls), for the summary. */
export interface SourceRequestCount {
  readonly requestCount: number;
}

/** What building a source needs besides its config section. */
export interface SourceDeps {
  dispatcher: Dispatcher;
  logger?: Logger | undefined;
  /** Told each new access token (the log redactor). */
  onSecret?: ((value: string) => void) | undefined;
}

/** The identity source of the configured source (IIQ REST/SCIM or ISC), and the HTTP client under it (for request counts). */
export function createSource(source: SourceConfig, deps: SourceDeps): { source: IdentitySource; http: SourceRequestCount } {
  switch (source.kind) {
    case 'isc':
      return createIscIdentitySource(source, deps);
    case 'iiq':
      return createIiqIdentitySource(source, deps);
  }
}
