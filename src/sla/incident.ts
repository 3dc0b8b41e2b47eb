import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';
import { createHash } from 'node:crypto';
import { DEDUP_KEY_PREFIX, PRODUCT_NAME } from '../product-name.js';

/** PagerDuty severities the watchdog uses: `warning` past SLA, `error` past 2 × SLA. */
export const severitySchema = z.enum(['warning', 'error']);

/** PagerDuty severities the watchdog uses: `warning` past SLA, `error` past 2 × SLA. */
export type Severity = z.output<typeof severitySchema>;

/**
 * An identity incident's facts as its trigger states them (instants are ISO 8601 strings). The
 * one schema of an incident: the state file, the journal, the dead-letter file and replay all
 * parse through it (or through openIncidentSchema, which extends it), so a fact added here is
 * kept by every one of them.
 */
export const incidentFactsSchema = z.object({
  dedupKey: z.string().min(1),
  identityId: z.string(),
  identityName: z.string(),
  displayName: z.string(),
  tier: z.string(),
  slaHours: z.number(),
  severity: severitySchema,
  /** Sorted, distinct application names; never account identifiers. */
  activeApplications: z.array(z.string()),
  activeAccountCount: z.number(),
  /** Sorted, distinct applications with an account of unknown status (counted toward the breach); absent = none. */
  unknownApplications: z.array(z.string()).optional(),
  /** Accounts of unknown status; absent = none. */
  unknownAccountCount: z.number().optional(),
  terminationDate: isoInstant,
  terminationSource: z.enum(['attribute', 'first-seen']),
  slaDeadline: isoInstant,
  /** The application whose own SLA (applicationSlaHours) `slaHours` is; absent = the tier's. */
  slaApplication: z.string().optional(),
  /** Enabled accounts not yet past their application's own SLA; absent when none. */
  withinGraceApplications: z.array(z.string()).optional(),
  /** Enabled accounts an approved exception covers; absent when none. */
  exceptedApplications: z.array(z.string()).optional(),
  /** Whether the source shows the leaver inactive yet; absent (incidents of older versions) = started. */
  leaverStage: z.enum(['not-started', 'started']).optional(),
});

/** An identity incident's facts as its trigger states them (no sent-at instants). */
export type IncidentFacts = z.output<typeof incidentFactsSchema>;

/** An incident the watchdog has opened in PagerDuty, as kept in the state file (and carried by a resolve). */
export const openIncidentSchema = incidentFactsSchema.extend({
  firstSentAt: isoInstant,
  lastSentAt: isoInstant,
  /** Set when an application incident (storm control) pages for this identity instead of its own. */
  coveredBy: z.string().optional(),
  /**
   * Set when an event for this incident went out but its answer never came (a killed run, or a
   * timeout after the request was sent): the incident may be open, and the next cycle re-sends it.
   */
  unconfirmed: z.literal(true).optional(),
});

/** An incident the watchdog has opened in PagerDuty, as kept in the state file. */
export type OpenIncident = z.output<typeof openIncidentSchema>;

/** What a breach is, as the decision step establishes it: the incident's facts and how late it is now. */
export type Breach = IncidentFacts & {
  elapsedHours: number;
  /** What the source says about its own processing of the identity (see Observation.evidence): for the event only, never kept. */
  lastRefresh?: string | null;
  processingError?: { stage: string | undefined };
};

/** Every application that makes the breach: enabled and unknown-status accounts alike, sorted and distinct. */
export function breachApplications(breach: Pick<Breach, 'activeApplications' | 'unknownApplications'>): string[] {
  return [...new Set([...breach.activeApplications, ...(breach.unknownApplications ?? [])])].sort();
}

// Dedup keys: every kind of key the watchdog makes is built below.

// The prefix and the product's name sit at the bottom (the logger names itself too); keys are built here.
export { DEDUP_KEY_PREFIX, PRODUCT_NAME };
/** PagerDuty refuses a longer dedup_key. */
export const MAX_DEDUP_KEY_CHARS = 255;
/** Dedup key of the watchdog's own health incident. */
export const HEALTH_DEDUP_KEY = `${PRODUCT_NAME}-health`;
/** Application (storm control) keys start with this. */
export const APPLICATION_KEY_PREFIX = `${DEDUP_KEY_PREFIX}app-`;
/** Chain task (IIQ TaskResult health) keys start with this. */
export const TASK_KEY_PREFIX = `${DEDUP_KEY_PREFIX}task-`;

/** The longest ASCII slug of an application name inside its key. */
export const MAX_SLUG_CHARS = 40;
const ID_HASH_HEX = 32;
const APPLICATION_HASH_HEX = 8;
// A shortened identity key ends in "~" and 32 hex digits; no plain key may end like that.
const HASHED_ID_SUFFIX = /~[0-9a-f]{32}$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const APPLICATION_KEY = /^iiq-leaver-sla-app-[a-z0-9-]+$/;
const TASK_KEY = /^iiq-leaver-sla-task-[a-z0-9-]+-[0-9a-f]{8}$/;

/**
 * The dedup key of an identity's incident: `iiq-leaver-sla-<identity id>`. An id that
 * would make the key longer than 255 characters, or that could be mistaken for another kind
 * of key (it starts with `app-`, is `watchdog-health`, reads like a chain task key, or ends like
 * a shortened key), becomes
 * `iiq-leaver-sla-<start of the id>~<32 hex of sha256 of the whole id>`. Pure.
 */
export function identityDedupKey(identityId: string): string {
  const plain = `${DEDUP_KEY_PREFIX}${identityId}`;
  // An id that could be mistaken for another kind of key is hashed like a long one.
  const reserved = identityId.startsWith('app-') || plain === HEALTH_DEDUP_KEY || TASK_KEY.test(plain) || HASHED_ID_SUFFIX.test(identityId);
  if (plain.length <= MAX_DEDUP_KEY_CHARS && !reserved) return plain;
  const room = MAX_DEDUP_KEY_CHARS - DEDUP_KEY_PREFIX.length - 1 - ID_HASH_HEX;
  return `${DEDUP_KEY_PREFIX}${cutChars(identityId, room)}~${sha256Hex(identityId).slice(0, ID_HASH_HEX)}`;
}

/**
 * The dedup key of an application incident (storm control):
 * `iiq-leaver-sla-app-<ASCII slug, at most 40 characters>-<first 8 hex of sha256 of the exact
 * name>`, so `人事システム` and `Кадры` never share a key. Pure.
 */
export function applicationDedupKey(applicationName: string): string {
  return `${APPLICATION_KEY_PREFIX}${applicationSlug(applicationName)}-${sha256Hex(applicationName).slice(0, APPLICATION_HASH_HEX)}`;
}

/**
 * The dedup key of a chain task's incident (an IIQ task such as "Refresh Identity Cube"):
 * `iiq-leaver-sla-task-<ASCII slug, at most 40 characters>-<first 8 hex of sha256 of the exact
 * task name>`. No identity id can make such a key (identityDedupKey shortens those ids). Pure.
 */
export function taskDedupKey(taskName: string): string {
  return `${TASK_KEY_PREFIX}${applicationSlug(taskName)}-${sha256Hex(taskName).slice(0, APPLICATION_HASH_HEX)}`;
}

/** Lower-case ASCII letters and digits of a name, dashes between, at most 40 characters; `unnamed` when none is left. */
export function applicationSlug(applicationName: string): string {
  const slug = applicationName
    .toLowerCase()
    .normalize('NFKD')
    // Accents come apart under NFKD: drop the marks so "Müller" reads "muller", not "mu-ller".
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_CHARS)
    .replace(/-+$/, '');
  return slug || 'unnamed';
}

/**
 * What a key stands for, from the key alone: exact for every key this module makes. Keys made
 * before version 0.2 for identity ids starting with `app-` read as application keys: callers
 * that carry the kind (a dead-letter line's `change`, the state file) should ask those first.
 */
export function classifyDedupKey(key: string): 'identity' | 'application' | 'health' | 'task' {
  if (key === HEALTH_DEDUP_KEY) return 'health';
  if (HASHED_ID_SUFFIX.test(key)) return 'identity';
  if (APPLICATION_KEY.test(key)) return 'application';
  if (TASK_KEY.test(key)) return 'task';
  return 'identity';
}

// At most `max` UTF-16 units, never ending inside a surrogate pair.
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

// UTF-8 as an operator would hash it (`printf %s "$name" | sha256sum`); a string with lone
// surrogates has no UTF-8 form, so its UTF-16 code units are hashed instead (still injective).
function sha256Hex(text: string): string {
  return createHash('sha256')
    .update(Buffer.from(text, LONE_SURROGATE.test(text) ? 'utf16le' : 'utf8'))
    .digest('hex');
}
