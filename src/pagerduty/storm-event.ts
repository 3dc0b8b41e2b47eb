import type { StormFacts } from '../sla/storm.js';
import { CLIENT_NAME, fitEvent, type EventContext, type PagerDutyEvent } from './events.js';

/** The application incident of storm control: one page for many leavers stuck on one connector. */
export function buildStormTriggerEvent(storm: StormFacts, context: EventContext, now: Date): PagerDutyEvent {
  const omitted = storm.identityCount - storm.identityNames.length;
  return fitEvent({
    event_action: 'trigger',
    dedup_key: storm.dedupKey,
    payload: {
      summary: `Leaver SLA breach storm: ${storm.identityCount} leavers past SLA still have active accounts in ${storm.application} (connector or aggregation outage?)`,
      source: context.source,
      severity: storm.severity,
      timestamp: now.toISOString(),
      component: context.component ?? 'identityiq',
      group: 'application',
      class: 'leaver-sla-storm',
      custom_details: {
        application: storm.application,
        identity_count: storm.identityCount,
        identity_names: storm.identityNames,
        ...(omitted > 0 ? { identity_names_omitted: omitted } : {}),
        tiers: storm.tiers,
      },
    },
    client: CLIENT_NAME,
  });
}
