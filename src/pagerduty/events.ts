import { PRODUCT_NAME, type Breach, type OpenIncident } from '../sla/incident.js';
import { refreshedSinceTermination } from '../sla/leaver.js';

/** A PagerDuty Events API v2 event as the watchdog stores it: the routing key is added only on the wire. */
export interface PagerDutyEvent {
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
}

/** What event building needs from config and the source's profile (src/source/source-profile.ts). */
export interface EventContext {
  source: string;
  baseUrl: string;
  identityUrlTemplate: string;
  /** `payload.component` (the source's); absent = IdentityIQ's. */
  component?: string;
  /** The identity link's text; absent = IdentityIQ's. */
  identityLinkText?: string;
  /** The source's short name in a summary ("IIQ", "ISC"); absent = IIQ. */
  label?: string;
}

export const CLIENT_NAME = PRODUCT_NAME;

/** The trigger event for a breach. Pure; `now` is the event timestamp. */
export function buildTriggerEvent(breach: Breach, context: EventContext, now: Date): PagerDutyEvent {
  // "2 active accounts", "2 active accounts and 1 account of unknown status", "1 account of unknown status (not confirmed disabled)".
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const active = breach.activeAccountCount;
  const unknown = breach.unknownAccountCount ?? 0;
  const accounts =
    unknown === 0
      ? count(active, 'active account')
      : active === 0
        ? `${count(unknown, 'account')} of unknown status (not confirmed disabled)`
        : `${count(active, 'active account')} and ${count(unknown, 'account')} of unknown status`;
  const since =
    breach.terminationSource === 'attribute'
      ? 'after termination'
      : `after first seen inactive (no termination date in ${context.label ?? 'IIQ'})`;
  return fitEvent({
    event_action: 'trigger',
    dedup_key: breach.dedupKey,
    payload: {
      summary:
        breach.leaverStage === 'not-started'
          ? `Leaver not started: ${breach.displayName} is still active in ${sourceNameOf(context)} ${breach.elapsedHours.toFixed(1)}h after termination; ${describeEnabled(breach.activeAccountCount, breach.unknownAccountCount ?? 0)} (${breach.slaApplication ?? breach.tier} SLA ${breach.slaHours}h)`
          : `Leaver SLA breach: ${breach.displayName} has ${accounts} ${breach.elapsedHours}h ${since} (${breach.slaApplication ?? breach.tier} SLA ${breach.slaHours}h)`,
      source: context.source,
      severity: breach.severity,
      timestamp: now.toISOString(),
      component: context.component ?? 'identityiq',
      group: breach.tier,
      class: 'leaver-sla-breach',
      custom_details: {
        identity_name: breach.identityName,
        identity_id: breach.identityId,
        termination_date: breach.terminationDate,
        termination_date_source: breach.terminationSource === 'attribute' ? 'iiq-attribute' : 'first-seen-inactive',
        elapsed_hours: breach.elapsedHours,
        sla_hours: breach.slaHours,
        sla_deadline: breach.slaDeadline,
        tier: breach.tier,
        active_applications: breach.activeApplications,
        active_account_count: breach.activeAccountCount,
        // Not confirmed disabled, so counted toward the breach; absent when there are none.
        ...(breach.unknownAccountCount
          ? { unknown_status_applications: breach.unknownApplications ?? [], unknown_status_account_count: breach.unknownAccountCount }
          : {}),
        // Present only when grace or an exception is in play, so other events keep their shape.
        ...(breach.slaApplication ? { sla_application: breach.slaApplication } : {}),
        ...(breach.withinGraceApplications?.length ? { within_grace_applications: breach.withinGraceApplications } : {}),
        ...(breach.exceptedApplications?.length ? { excepted_applications: breach.exceptedApplications } : {}),
        // The leaver's stage on every trigger, and what the source says about processing it: IIQ's
        // last refresh (whether one ran since the termination), ISC's processing error with its stage
        // only (its message and stack trace can carry personal data).
        leaver_stage: breach.leaverStage ?? 'started',
        ...(typeof breach.lastRefresh === 'string' ? { last_refresh: breach.lastRefresh } : {}),
        // On every trigger, so events of every source and API have one shape: false when no refresh instant is known.
        refreshed_since_termination: refreshedSinceTermination(breach.lastRefresh, breach.terminationDate),
        ...(breach.processingError
          ? { processing_state: 'ERROR', ...(breach.processingError.stage ? { processing_stage: breach.processingError.stage } : {}) }
          : {}),
      },
    },
    links: [
      {
        // The identity's page, from `identityUrlTemplate` ({baseUrl}, {id}, {name}).
        href: context.identityUrlTemplate
          .replaceAll('{baseUrl}', context.baseUrl)
          .replaceAll('{id}', encodeURIComponent(breach.identityId))
          .replaceAll('{name}', encodeURIComponent(breach.identityName)),
        text: context.identityLinkText ?? 'Identity in IdentityIQ',
      },
    ],
    client: CLIENT_NAME,
  });
}

/** The source's full name in a summary: "IdentityIQ" or "Identity Security Cloud". */
function sourceNameOf(context: EventContext): string {
  return context.label === 'ISC' ? 'Identity Security Cloud' : 'IdentityIQ';
}

/** "3 accounts enabled", "1 account enabled and 1 account of unknown status", "2 accounts of unknown status (not confirmed disabled)". */
function describeEnabled(enabled: number, unknown: number): string {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (unknown === 0) return `${count(enabled, 'account')} enabled`;
  if (enabled === 0) return `${count(unknown, 'account')} of unknown status (not confirmed disabled)`;
  return `${count(enabled, 'account')} enabled and ${count(unknown, 'account')} of unknown status`;
}

/** The resolve event: nothing but the action and the dedup key. */
export function buildResolveEvent(incident: Pick<OpenIncident, 'dedupKey'>): PagerDutyEvent {
  return { event_action: 'resolve', dedup_key: incident.dedupKey };
}

export const MAX_SUMMARY_CHARS = 1024;
/** PagerDuty rejects events over 512 KB (answering 400, which is never retried). */
export const MAX_EVENT_BYTES = 512 * 1024;
/** A shortened string ends with this, so a reader knows there was more. */
const ELLIPSIS = '…';

/**
 * Keeps an event inside PagerDuty's limits: the summary is cut to 1023 characters plus "…"; then,
 * while the event (routing key included) is 512 KB or more, every list in custom_details is cut
 * to the same length — whatever lists an event carries, so one added later is cut too — and
 * `<list>_omitted` says how many entries each lost (the counts beside them stay as they are).
 * Should the event still not fit (a huge name or other string), long strings are shortened
 * likewise. Pure.
 */
export function fitEvent(event: PagerDutyEvent): PagerDutyEvent {
  if (!event.payload) return event;
  const fitted: PagerDutyEvent = {
    ...event,
    payload: { ...event.payload, summary: fitSummary(event.payload.summary), custom_details: { ...event.payload.custom_details } },
  };
  if (fits(fitted)) return fitted;
  const lists = Object.entries(fitted.payload?.custom_details ?? {}).filter(
    (entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0,
  );
  const longest = Math.max(0, ...lists.map(([, list]) => list.length));
  const keep = largestThatFits(longest, (n) => withListsCut(fitted, n));
  const cut = withListsCut(fitted, keep);
  if (fits(cut)) return cut;
  const longestString = Math.max(0, ...stringsOf(cut).map((text) => text.length));
  return withStringsCut(
    cut,
    largestThatFits(longestString, (n) => withStringsCut(cut, n)),
  );
}

/** At most MAX_SUMMARY_CHARS characters: cut to one less plus "…", never inside a surrogate pair. */
export function fitSummary(summary: string): string {
  return summary.length <= MAX_SUMMARY_CHARS ? summary : shorten(summary, MAX_SUMMARY_CHARS);
}

/** Size of the event as sent: with a 32-character routing key. */
export function wireBytes(event: PagerDutyEvent): number {
  return Buffer.byteLength(JSON.stringify({ routing_key: 'x'.repeat(32), ...event }));
}

function fits(event: PagerDutyEvent): boolean {
  return wireBytes(event) < MAX_EVENT_BYTES;
}

/** Binary search for the largest n in [0, upper] whose event fits (0 when none does): O(log n) serialisations. */
function largestThatFits(upper: number, build: (n: number) => PagerDutyEvent): number {
  let low = 0;
  let high = upper;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(build(middle))) low = middle;
    else high = middle - 1;
  }
  return low;
}

function withListsCut(event: PagerDutyEvent, keep: number): PagerDutyEvent {
  const payload = event.payload;
  if (!payload) return event;
  const details: Record<string, unknown> = { ...payload.custom_details };
  for (const [key, value] of Object.entries(payload.custom_details)) {
    if (!Array.isArray(value) || value.length <= keep) continue;
    const earlier = details[`${key}_omitted`];
    details[key] = value.slice(0, keep);
    details[`${key}_omitted`] = (typeof earlier === 'number' ? earlier : 0) + value.length - keep;
  }
  return { ...event, payload: { ...payload, custom_details: details } };
}

// The fields that only PagerDuty's own vocabulary fills (and the summary, already fitted) are left alone.
const FIXED_PAYLOAD_FIELDS = new Set(['summary', 'severity', 'timestamp']);

/** Every string the last resort may shorten: payload fields, custom_details values (in lists too), link texts and targets. */
function stringsOf(event: PagerDutyEvent): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  for (const [key, value] of Object.entries(event.payload ?? {})) if (!FIXED_PAYLOAD_FIELDS.has(key)) visit(value);
  Object.values(event.payload?.custom_details ?? {}).forEach(visit);
  for (const link of event.links ?? []) visit([link.href, link.text]);
  return found;
}

function withStringsCut(event: PagerDutyEvent, maxChars: number): PagerDutyEvent {
  const payload = event.payload;
  if (!payload) return event;
  const cut = (value: unknown): unknown =>
    typeof value === 'string' && value.length > maxChars ? shorten(value, maxChars) : Array.isArray(value) ? value.map(cut) : value;
  const fields = Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [key, FIXED_PAYLOAD_FIELDS.has(key) ? value : cut(value)]),
  );
  const details = Object.fromEntries(Object.entries(payload.custom_details).map(([key, value]) => [key, cut(value)]));
  return {
    ...event,
    payload: { ...(fields as typeof payload), custom_details: details },
    ...(event.links ? { links: event.links.map((link) => ({ href: cut(link.href) as string, text: cut(link.text) as string })) } : {}),
  };
}

/** `text` cut to `maxChars` characters, the last one "…", never inside a surrogate pair. */
function shorten(text: string, maxChars: number): string {
  if (maxChars <= 0) return '';
  let cut = maxChars - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}${ELLIPSIS}`;
}
