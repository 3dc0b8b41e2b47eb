import { SourceReadError } from '../source/source-read-error.js';
import type { Identity } from '../source/identity-source.js';
import type { LeaverRule } from '../sla/leaver.js';
import type { ObserveInput } from './observe-input.js';

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
 * Lists the leavers the source still shows active (spec 14.1) and hands each page to
 * `observePage`, one page ahead at most. True when every page was read (or the listing is off);
 * false when it failed, which leaves the cycle's listing incomplete: no unlisted open incident
 * is then looked up or resolved.
 */
export async function listNotStarted(
  input: Pick<ObserveInput, 'source' | 'policy' | 'logger'>,
  rule: LeaverRule,
  observePage: (page: readonly Identity[], via: 'not-started') => Promise<void>,
  recordReadError: (error: SourceReadError) => void,
): Promise<boolean> {
  const { source, policy, logger } = input;
  if (rule.notStartedLookbackDays === 0 || !source.listNotStartedIdentities) return true;
  let previousPage: Promise<unknown> = Promise.resolve();
  try {
    for await (const page of source.listNotStartedIdentities(policy.terminationDateAttribute)) {
      const current = observePage(page, 'not-started');
      await previousPage;
      previousPage = current;
    }
    await previousPage;
    return true;
  } catch (error) {
    await previousPage.catch(() => undefined);
    if (!(error instanceof SourceReadError)) throw error;
    const failed = notStartedListingError(error, policy.terminationDateAttribute);
    recordReadError(failed);
    logger.error({ error: failed.message }, 'the not-started leaver listing failed: open incidents not observed are left untouched');
    return false;
  }
}
