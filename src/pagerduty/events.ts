import type { Breach, OpenIncident } from '../sla/incident.js';
import { PRODUCT_NAME } from '../sla/incident.js';
import { refreshedSinceTermination } from '../sla/leaver.js';
import { fitEvent } from './fit-event.js';

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
export { MAX_EVENT_BYTES, MAX_SUMMARY_CHARS, fitEvent, fitSummary, wireBytes } from './fit-event.js';

/** The trigger event for a breach. Pure; `now` is the event timestamp. */
export function buildTriggerEvent(breach: Breach, context: EventContext, now: Date): PagerDutyEvent {
  const accounts = describeAccounts(breach.activeAccountCount, breach.unknownAccountCount ?? 0);
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
        ...policyDetails(breach),
        ...stageDetails(breach),
      },
    },
    links: [
      { href: identityUrl(breach.identityId, breach.identityName, context), text: context.identityLinkText ?? 'Identity in IdentityIQ' },
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

/**
 * The leaver's stage on every trigger, and what the source says about processing it: IIQ's
 * last refresh (whether one ran since the termination), ISC's processing error with its stage
 * only (its message and stack trace can carry personal data).
 */
function stageDetails(breach: Breach): Record<string, unknown> {
  return {
    leaver_stage: breach.leaverStage ?? 'started',
    ...(typeof breach.lastRefresh === 'string' ? { last_refresh: breach.lastRefresh } : {}),
    // On every trigger, so events of every source and API have one shape: false when no refresh instant is known.
    refreshed_since_termination: refreshedSinceTermination(breach.lastRefresh, breach.terminationDate),
    ...(breach.processingError
      ? { processing_state: 'ERROR', ...(breach.processingError.stage ? { processing_stage: breach.processingError.stage } : {}) }
      : {}),
  };
}

/** "2 active accounts", "2 active accounts and 1 account of unknown status", "1 account of unknown status (not confirmed disabled)". */
function describeAccounts(active: number, unknown: number): string {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (unknown === 0) return count(active, 'active account');
  if (active === 0) return `${count(unknown, 'account')} of unknown status (not confirmed disabled)`;
  return `${count(active, 'active account')} and ${count(unknown, 'account')} of unknown status`;
}

// Present only when grace or an exception is in play, so other events keep their shape.
function policyDetails(breach: Breach): Record<string, unknown> {
  return {
    ...(breach.slaApplication ? { sla_application: breach.slaApplication } : {}),
    ...(breach.withinGraceApplications?.length ? { within_grace_applications: breach.withinGraceApplications } : {}),
    ...(breach.exceptedApplications?.length ? { excepted_applications: breach.exceptedApplications } : {}),
  };
}

/** The resolve event: nothing but the action and the dedup key. */
export function buildResolveEvent(incident: Pick<OpenIncident, 'dedupKey'>): PagerDutyEvent {
  return { event_action: 'resolve', dedup_key: incident.dedupKey };
}

/** The IIQ page of an identity, from `iiq.identityUrlTemplate` ({baseUrl}, {id}, {name}). */
export function identityUrl(id: string, name: string, context: EventContext): string {
  return context.identityUrlTemplate
    .replaceAll('{baseUrl}', context.baseUrl)
    .replaceAll('{id}', encodeURIComponent(id))
    .replaceAll('{name}', encodeURIComponent(name));
}
