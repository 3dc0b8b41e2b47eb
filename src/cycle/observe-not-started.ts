import { SourceReadError } from '../source/source-read-error.js';
import type { Identity, IdentitySource } from '../source/identity-source.js';
import type { LeaverRule } from '../sla/leaver.js';

/** What an operator does about a refused not-started listing. */
export function notStartedListingFix(terminationDateAttribute: string): string {
  return (
    `make "${terminationDateAttribute}" searchable (IdentityIQ: Global Settings > Identity Mappings > ${terminationDateAttribute} > Searchable, ` +
    `then refresh identities; Identity Security Cloud: the identity attribute must be in the search index), ` +
    `or set leaver.notStartedLookbackDays to 0 to accept the blind spot`
  );
}

/** The not-started listing's failure, with the fix: for logs, the summary and `check`. */
export function notStartedListingError(error: SourceReadError, terminationDateAttribute: string): SourceReadError {
  return new SourceReadError(`the not-started leaver listing failed: ${error.message}; ${notStartedListingFix(terminationDateAttribute)}`, {
    classified: error.classified,
    detail: error.detail,
  });
}

/**
 * The pages of leavers the source still shows active (termination attribute set; the rule's
 * dates are compared by the watchdog, not the source); undefined when the listing is off
 * (`leaver.notStartedLookbackDays` 0) or the source cannot list them. A failed listing leaves the
 * cycle's listing incomplete: no unlisted open incident is then looked up or resolved.
 */
export function notStartedPages(
  source: IdentitySource,
  terminationDateAttribute: string,
  rule: LeaverRule,
): AsyncIterable<readonly Identity[]> | undefined {
  if (rule.notStartedLookbackDays === 0 || !source.listNotStartedIdentities) return undefined;
  return source.listNotStartedIdentities(terminationDateAttribute);
}
