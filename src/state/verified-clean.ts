import { z } from 'zod';
import type { CleanVerification } from '../sla/recheck.js';

/** The identities verified clean, and the excluded applications they were verified under. */
export interface VerifiedCleanState {
  /** `excludedApplications` at verification time: when one leaves the list, the verifications no longer hold. */
  excludedApplications: string[];
  /** Identity id → [verified at (epoch s), termination instant (epoch ms), tier]. */
  identities: Record<string, CleanVerification>;
}

/** Nothing verified yet. */
export function emptyVerifiedClean(): VerifiedCleanState {
  return { excludedApplications: [], identities: {} };
}

/** True for a well-formed [verified at (epoch s), termination instant (epoch ms), tier]. */
function isVerification(entry: unknown): entry is CleanVerification {
  if (!Array.isArray(entry) || entry.length !== 3) return false;
  const [verifiedAt, terminatedAt, tier] = entry as unknown[];
  return Number.isSafeInteger(verifiedAt) && typeof terminatedAt === 'number' && Number.isFinite(terminatedAt) && typeof tier === 'string';
}

/**
 * The verifications of the state file. A malformed entry is dropped, not fatal: a verification
 * only saves a read, so losing one costs one read, while a "corrupt" state file would cost every
 * open incident its history. A hand check, not z.tuple: 100,000 entries in milliseconds.
 */
const identitiesSchema = z.unknown().transform((value): Record<string, CleanVerification> => {
  const identities = Object.create(null) as Record<string, CleanVerification>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return identities;
  for (const [id, entry] of Object.entries(value)) if (isVerification(entry)) identities[id] = entry;
  return identities;
});

/** The `verifiedClean` section of the state file; absent in files written before it existed. */
export const verifiedCleanSchema = z
  .object({ excludedApplications: z.array(z.string()), identities: identitiesSchema })
  .catch(emptyVerifiedClean)
  .default(emptyVerifiedClean);

/**
 * The state file's text: indented like JSON.stringify(state, null, 2), except that each
 * verification takes one line (indented, 100,000 of them would take five lines each and 11 MB).
 * The section is appended last, outside any text from IIQ, so no identity data can shape it.
 */
export function renderStateJson(state: { version: number; verifiedClean: VerifiedCleanState }): string {
  const { verifiedClean, ...rest } = state;
  const text = JSON.stringify(rest, null, 2);
  // One native stringify, then a line break after each entry: 100,000 entries in about 100 ms,
  // where stringifying them one by one took several times that. `],"` only occurs between entries:
  // inside a JSON string a quote is always escaped.
  const compact = JSON.stringify(verifiedClean.identities);
  const identities = compact === '{}' ? '{}' : `{\n      ${compact.slice(1, -1).replaceAll('],"', '],\n      "')}\n    }`;
  const section = `"verifiedClean": {\n    "excludedApplications": ${JSON.stringify(verifiedClean.excludedApplications)},\n    "identities": ${identities}\n  }`;
  // `rest` always has `version`, so its text is "{\n  ...\n}": insert before the closing brace.
  return `${text.slice(0, -2)},\n  ${section}\n}\n`;
}
