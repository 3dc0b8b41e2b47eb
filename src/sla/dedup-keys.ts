import { createHash } from 'node:crypto';

import { DEDUP_KEY_PREFIX, PRODUCT_NAME } from '../product-name.js';

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

/** What a dedup key stands for. */
export type DedupKeyKind = 'identity' | 'application' | 'health' | 'task';

/**
 * The dedup key of an identity's incident: `iiq-leaver-sla-<identity id>`. An id that
 * would make the key longer than 255 characters, or that could be mistaken for another kind
 * of key (it starts with `app-`, is `watchdog-health`, reads like a chain task key, or ends like
 * a shortened key), becomes
 * `iiq-leaver-sla-<start of the id>~<32 hex of sha256 of the whole id>`. Pure.
 */
export function identityDedupKey(identityId: string): string {
  const plain = `${DEDUP_KEY_PREFIX}${identityId}`;
  if (plain.length <= MAX_DEDUP_KEY_CHARS && !isReservedId(identityId)) return plain;
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
export function classifyDedupKey(key: string): DedupKeyKind {
  if (key === HEALTH_DEDUP_KEY) return 'health';
  if (HASHED_ID_SUFFIX.test(key)) return 'identity';
  if (APPLICATION_KEY.test(key)) return 'application';
  if (TASK_KEY.test(key)) return 'task';
  return 'identity';
}

function isReservedId(identityId: string): boolean {
  const plain = `${DEDUP_KEY_PREFIX}${identityId}`;
  return identityId.startsWith('app-') || plain === HEALTH_DEDUP_KEY || TASK_KEY.test(plain) || HASHED_ID_SUFFIX.test(identityId);
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
