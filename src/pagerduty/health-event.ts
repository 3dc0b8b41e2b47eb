import { HEALTH_DEDUP_KEY, type HealthState } from '../sla/health.js';
import { PRODUCT_NAME } from '../sla/incident.js';
import { CLIENT_NAME, fitEvent, type PagerDutyEvent } from './events.js';

/** The watchdog's own incident: it failed `consecutiveFailures` cycles in a row. */
export function buildHealthTriggerEvent(health: HealthState, source: string, now: Date): PagerDutyEvent {
  return fitEvent({
    event_action: 'trigger',
    dedup_key: HEALTH_DEDUP_KEY,
    payload: {
      summary: `${PRODUCT_NAME} failing: ${health.consecutiveFailures} consecutive failed cycles; last error: ${health.lastError ?? 'unknown'}`,
      source,
      severity: 'error',
      timestamp: now.toISOString(),
      component: PRODUCT_NAME,
      group: 'watchdog',
      class: 'watchdog-health',
      custom_details: { consecutive_failures: health.consecutiveFailures, last_error: health.lastError },
    },
    client: CLIENT_NAME,
  });
}
