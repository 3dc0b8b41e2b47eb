import { z } from 'zod';

/** The range one config number must lie in. */
export interface NumberBound {
  min: number;
  /** True: `min` itself is not allowed (a timeout of 0 s, an SLA of 0 h). */
  minExclusive?: boolean;
  max: number;
  integer: boolean;
  /** Shown in the message, e.g. "seconds". */
  unit?: string;
  /** The message for a value at or below an exclusive `min`, where a documented one exists. */
  belowMessage?: string;
}

/**
 * Every number of the config file and its sane range. A value outside is exit 2 naming the key
 *. The upper bounds keep a typo (1e7) from becoming a Node range error, a cycle that
 * never ends or a page that never comes; they sit well above any value a real setup needs.
 */
export const CONFIG_NUMBER_BOUNDS = {
  'iiq.pageSize': { min: 1, max: 1000, integer: true, unit: 'identities a page; IIQ SCIM caps pages at 1000' },
  'iiq.concurrency': { min: 1, max: 64, integer: true, unit: 'requests at once' },
  'iiq.timeoutSeconds': { min: 0, minExclusive: true, max: 600, integer: false, unit: 'seconds' },
  'iiq.retries': { min: 0, max: 10, integer: true, unit: 'further attempts' },
  'iiq.retryMinDelayMs': { min: 0, max: 60_000, integer: true, unit: 'milliseconds' },
  'isc.pageSize': { min: 1, max: 250, integer: true, unit: 'identities a page; ISC serves at most 250' },
  'isc.concurrency': { min: 1, max: 16, integer: true, unit: 'requests at once' },
  'isc.maxRequestsPer10Seconds': { min: 1, max: 100, integer: true, unit: 'requests in any rolling 10 s; ISC allows about 100' },
  'isc.timeoutSeconds': { min: 0, minExclusive: true, max: 600, integer: false, unit: 'seconds' },
  'isc.retries': { min: 0, max: 10, integer: true, unit: 'further attempts' },
  'isc.retryMinDelayMs': { min: 0, max: 60_000, integer: true, unit: 'milliseconds' },
  'leaver.recheckCleanHours': { min: 0, max: 168, integer: false, unit: 'hours; 0 = read every cycle, 168 h is a week' },
  'leaver.notStartedLookbackDays': { min: 0, max: 366, integer: true, unit: 'days; 0 turns the not-started listing off' },
  'leaver.requestProcessingAfterMinutes': {
    min: 0,
    max: 1440,
    integer: false,
    unit: 'minutes after the termination instant; 1440 min is a day',
  },
  'slaHours.*': {
    min: 0,
    minExclusive: true,
    max: 8760,
    integer: false,
    unit: 'hours; 8760 h is a year',
    belowMessage: 'must be a positive number of hours',
  },
  'applicationSlaHours.*': {
    min: 0,
    minExclusive: true,
    max: 8784,
    integer: false,
    unit: 'hours (366 days)',
    belowMessage: 'must be a positive number of hours',
  },
  'pagerduty.retries': { min: 0, max: 10, integer: true, unit: 'further attempts' },
  'pagerduty.retryMinDelayMs': { min: 0, max: 60_000, integer: true, unit: 'milliseconds' },
  'pagerduty.maxEventsPerMinute': { min: 1, max: 1000, integer: true, unit: 'events a minute' },
  'pagerduty.renotifyMinutes': { min: 0, minExclusive: true, max: 43_200, integer: false, unit: 'minutes; 43200 min is 30 days' },
  'pagerduty.timeoutSeconds': { min: 0, minExclusive: true, max: 120, integer: false, unit: 'seconds' },
  'pagerduty.concurrency': { min: 1, max: 16, integer: true, unit: 'deliveries at once' },
  'health.alertAfterFailures': { min: 1, max: 1000, integer: true, unit: 'failed cycles' },
  'storm.threshold': { min: 2, max: 1_000_000, integer: true, unit: 'identities' },
  'chain.tasks[].maxAgeHours': { min: 1, max: 744, integer: false, unit: 'hours; 744 h is 31 days' },
} as const satisfies Record<string, NumberBound>;

/** The key names of CONFIG_NUMBER_BOUNDS. */
export type BoundedKey = keyof typeof CONFIG_NUMBER_BOUNDS;

/** What an operator reads when a number is out of range, e.g. "must be a number greater than 0 and at most 600 seconds". */
export function describeBound(bound: NumberBound): string {
  const kind = bound.integer ? 'a whole number' : 'a number';
  const range = bound.minExclusive ? `greater than ${bound.min} and at most ${bound.max}` : `from ${bound.min} to ${bound.max}`;
  return `must be ${kind} ${range}${bound.unit ? ` (${bound.unit})` : ''}`;
}

/** A zod number limited to the bound of `key`, with one message for every way it can be wrong. */
export function boundedNumber(key: BoundedKey): z.ZodNumber {
  const bound: NumberBound = CONFIG_NUMBER_BOUNDS[key];
  const message = describeBound(bound);
  let schema = z.number();
  if (bound.integer) schema = schema.int(message);
  schema = bound.minExclusive ? schema.gt(bound.min, bound.belowMessage ?? message) : schema.gte(bound.min, message);
  return schema.lte(bound.max, message);
}
