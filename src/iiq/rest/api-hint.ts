import { SourceReadError } from '../../source/source-read-error.js';

/**
 * A 404 on the first page of `/rest/identities` means this IIQ does not serve the REST API that
 * `"api": "rest"` reads (it comes with a plugin); stock IdentityIQ serves SCIM 2.0. Returns the
 * error with that hint added, or the error unchanged.
 */
export function withRestApiHint(error: unknown): unknown {
  if (!(error instanceof SourceReadError) || !/\bHTTP 404\b/.test(error.message)) return error;
  return new SourceReadError(
    `${error.message}: this IdentityIQ does not serve the REST identities API that "api": "rest" reads; stock IdentityIQ serves SCIM 2.0: set "api": "scim" in the iiq section (and check that iiq.baseUrl is the context root, such as https://iiq.example.com/identityiq)`,
    { classified: error.classified },
  );
}
