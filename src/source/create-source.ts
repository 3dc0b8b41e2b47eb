import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { SourceConfig } from '../config/config.js';
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

/** A built source and the HTTP client under it (for request counts). */
export interface BuiltSource {
  source: IdentitySource;
  http: SourceRequestCount;
}

/**
 * One builder per source kind. The adapters (iiq/, isc/) depend on this folder's types, so the
 * table is handed in from above rather than imported here; the mapped type makes a new kind
 * without a builder a compile error.
 */
export type SourceAdapters = {
  [Kind in SourceConfig['kind']]: (section: Extract<SourceConfig, { kind: Kind }>, deps: SourceDeps) => BuiltSource;
};

/** The identity source of the configured source (IIQ REST/SCIM or ISC), and the HTTP client under it (for request counts). */
export function createSource(source: SourceConfig, deps: SourceDeps, adapters: SourceAdapters): BuiltSource {
  switch (source.kind) {
    case 'isc':
      return adapters.isc(source, deps);
    case 'iiq':
      return adapters.iiq(source, deps);
  }
}
