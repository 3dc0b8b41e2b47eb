import type { Config } from '../config/config.js';

/**
 * What differs between the sources of identities in what the watchdog says: names
 * in logs, PagerDuty's `component`, the identity link. Chosen once, at the edge, from the
 * config; the cycle only reads it.
 */
export interface SourceProfile {
  /** Short name in logs and summaries: "IIQ" or "ISC". */
  label: string;
  /** PagerDuty `payload.component`. */
  component: string;
  /** Text of the identity link in a trigger. */
  identityLinkText: string;
  /** The source's base URL, `{baseUrl}` in the template. */
  baseUrl: string;
  /** The identity's page: `{baseUrl}`, `{id}`, `{name}`. */
  identityUrlTemplate: string;
}

/** The profile of the configured source. */
export function sourceProfileOf(config: Config): SourceProfile {
  const { source } = config;
  switch (source.kind) {
    case 'isc':
      return {
        label: 'ISC',
        component: 'identity-security-cloud',
        identityLinkText: 'Identity in Identity Security Cloud',
        baseUrl: source.baseUrl,
        identityUrlTemplate: source.identityUrlTemplate,
      };
    case 'iiq':
      return {
        label: 'IIQ',
        component: 'identityiq',
        identityLinkText: 'Identity in IdentityIQ',
        baseUrl: source.baseUrl,
        identityUrlTemplate: source.identityUrlTemplate,
      };
  }
}
