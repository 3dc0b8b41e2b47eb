import type { WatchdogEnv } from './config.js';

/** An environment variable that replaced a value of the config file. */
export interface EnvironmentOverride {
  variable: 'IIQ_BASE_URL' | 'PAGERDUTY_EVENTS_URL';
  key: 'iiq.baseUrl' | 'pagerduty.eventsUrl';
  value: string;
}

/**
 * The overrides in effect: IIQ_BASE_URL beats iiq.baseUrl and PAGERDUTY_EVENTS_URL beats
 * pagerduty.eventsUrl whenever set (an empty or malformed one is refused by the config check).
 * Logged once per command, so nobody has to wonder which URL was used.
 */
export function environmentOverrides(env: WatchdogEnv): EnvironmentOverride[] {
  const overrides: EnvironmentOverride[] = [];
  if (env.IIQ_BASE_URL !== undefined) overrides.push({ variable: 'IIQ_BASE_URL', key: 'iiq.baseUrl', value: env.IIQ_BASE_URL });
  if (env.PAGERDUTY_EVENTS_URL !== undefined)
    overrides.push({ variable: 'PAGERDUTY_EVENTS_URL', key: 'pagerduty.eventsUrl', value: env.PAGERDUTY_EVENTS_URL });
  return overrides;
}
