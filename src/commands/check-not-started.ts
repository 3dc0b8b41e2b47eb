import type { Config } from '../config/config.js';
import { leaverRuleFrom, notStartedListingFix, policyFrom } from '../cycle/observe.js';
import { SourceReadError } from '../source/source-read-error.js';
import type { IdentitySource } from '../source/identity-source.js';
import { evaluateLeaverOf } from '../sla/leaver.js';

/** `check` reads at most this many pages of the not-started listing: enough to prove the filter, bounded for a large tenant. */
const MAX_PAGES = 10;

/** What `check` says about the listing of leavers the source still shows active. */
export type NotStartedCheck =
  | { enabled: false; detail: string }
  | { enabled: true; ok: true; notStartedLeavers: number; identitiesRead: number; complete: boolean }
  | { enabled: true; ok: false; error: string; fix: string };

/** Reads the not-started listing as a cycle would (up to MAX_PAGES pages) and counts the leavers in it. */
export async function checkNotStarted(source: IdentitySource, config: Config, now: Date): Promise<NotStartedCheck> {
  const rule = leaverRuleFrom(config);
  if (rule.notStartedLookbackDays === 0)
    return { enabled: false, detail: 'off (leaver.notStartedLookbackDays is 0): leavers the source still shows active are not seen' };
  if (!source.listNotStartedIdentities) return { enabled: false, detail: 'not available for this source' };
  const policy = policyFrom(config);
  let pages = 0;
  let identitiesRead = 0;
  let notStartedLeavers = 0;
  try {
    for await (const page of source.listNotStartedIdentities(policy.terminationDateAttribute)) {
      pages += 1;
      identitiesRead += page.length;
      for (const identity of page) {
        if (identity.inactive) continue;
        const verdict = evaluateLeaverOf(identity, policy, rule, now.getTime(), { withLookback: true });
        if (verdict.leaver) notStartedLeavers += 1;
      }
      if (pages >= MAX_PAGES) return { enabled: true, ok: true, notStartedLeavers, identitiesRead, complete: false };
    }
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    const said = error.detail ? `; ISC said ${error.detail}` : '';
    return { enabled: true, ok: false, error: `${error.message}${said}`, fix: notStartedListingFix(policy.terminationDateAttribute) };
  }
  return { enabled: true, ok: true, notStartedLeavers, identitiesRead, complete: true };
}

/** The line of `check`'s text output. */
export function formatNotStartedLine(check: NotStartedCheck): string {
  if (!check.enabled) return check.detail;
  if (!check.ok) return `PROBLEM: the listing failed: ${check.error}. To fix: ${check.fix}`;
  const count = `${check.complete ? '' : 'at least '}${check.notStartedLeavers}`;
  return `listing works: ${count} leaver(s) still active after their termination (of ${check.identitiesRead} active identities with a termination date read${check.complete ? '' : `, first ${MAX_PAGES} pages`})`;
}
