import { z } from 'zod';
import { boundedNumber } from './bounds.js';

/** An http(s) URL that carries no credentials (they belong in the environment). */
export const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  } catch {
    return false;
  }
}, 'must be an http(s) URL without credentials in it');

/** True when the URL text carries a query or a fragment (even an empty one: a bare "?" or "#"). */
export function hasQueryOrFragment(value: string): boolean {
  return /[?#]/.test(value);
}

/**
 * A base URL the watchdog appends paths to (or posts to): an http(s) URL with neither query nor
 * fragment, since `<base>?x=1/rest/identities` would send the path inside the query.
 */
export const baseUrl = httpUrl.refine(
  (value) => !hasQueryOrFragment(value),
  'must carry no query ("?…") or fragment ("#…"): give the bare base URL',
);

/**
 * The heartbeat URL is called as it is, so a query is part of it (push monitors such as Uptime
 * Kuma take `?status=up`); a fragment is never sent to the server, so one is surely a mistake.
 */
const heartbeatUrl = httpUrl.refine((value) => !value.includes('#'), 'must carry no fragment ("#…"): it is never sent to the server');

const timeZone = z.string().refine((zone) => {
  if (zone === 'UTC') return true; // no Intl for the default: its time-zone data costs about 8 MB of memory
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone name such as "UTC" or "Europe/Berlin"');

/** The JSON config file (with its optional operations sections). Unknown keys are errors. */
export const configFileSchema = z.strictObject({
  iiq: z
    .strictObject({
      baseUrl: baseUrl.optional(),
      api: z.enum(['rest', 'scim']).default('rest'),
      auth: z.enum(['basic', 'oauth']).default('basic'),
      pageSize: boundedNumber('iiq.pageSize').default(250),
      concurrency: boundedNumber('iiq.concurrency').default(8),
      timeoutSeconds: boundedNumber('iiq.timeoutSeconds').default(30),
      retries: boundedNumber('iiq.retries').default(3),
      retryMinDelayMs: boundedNumber('iiq.retryMinDelayMs').default(500),
      caFile: z.string().min(1).optional(),
      scimAccountsBulk: z.boolean().default(false),
      identityUrlTemplate: z.string().includes('{id}').optional(),
      // The workflow that refreshes one identity, launched for a stalled leaver; unset = IIQ is never asked.
      refreshWorkflow: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
  /** Identity Security Cloud as the source instead of IIQ; exactly one of the two. */
  isc: z
    .strictObject({
      baseUrl: baseUrl,
      // Technical names, e.g. "inactive"; they go into a search query, so no operators.
      lifecycleStates: z
        .array(
          z
            .string()
            .max(100)
            .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a lifecycle state technical name (letters, digits, "_", "." or "-")'),
        )
        .min(1, 'must name at least one lifecycle state')
        .max(20)
        .default(['inactive']),
      pageSize: boundedNumber('isc.pageSize').default(250),
      concurrency: boundedNumber('isc.concurrency').default(4),
      maxRequestsPer10Seconds: boundedNumber('isc.maxRequestsPer10Seconds').default(90),
      timeoutSeconds: boundedNumber('isc.timeoutSeconds').default(30),
      retries: boundedNumber('isc.retries').default(3),
      retryMinDelayMs: boundedNumber('isc.retryMinDelayMs').default(500),
      caFile: z.string().min(1).optional(),
      identityUrlTemplate: z.string().includes('{id}').optional(),
      // SailPoint's versioned paths (retired in Q1 2029) or its per-resource ones.
      apiPaths: z.enum(['v3', 'v1']).default('v3'),
    })
    .optional(),
  leaver: z.strictObject({
    terminationDateAttribute: z.string().min(1),
    tierAttribute: z.string().min(1).optional(),
    defaultTier: z.string().min(1).default('standard'),
    timezone: timeZone.default('UTC'),
    // Hours between re-reads of an identity verified clean; 0 = read every cycle.
    recheckCleanHours: boundedNumber('leaver.recheckCleanHours').default(24),
    // Leavers the source still shows active: how far back a termination is newly listed; 0 = no such listing.
    notStartedLookbackDays: boundedNumber('leaver.notStartedLookbackDays').default(30),
    rehireDateAttribute: z.string().min(1).optional(),
    // Opt-in: hand a leaver the source still shows active to the source for processing (its only write).
    requestProcessing: z.boolean().default(false),
    requestProcessingAfterMinutes: boundedNumber('leaver.requestProcessingAfterMinutes').default(30),
  }),
  slaHours: z
    .record(z.string().min(1), boundedNumber('slaHours.*'))
    .refine((tiers) => Object.keys(tiers).length > 0, 'must name at least one tier'),
  excludedApplications: z.array(z.string()).default([]),
  // Grace per application, bounded like an exception (a year and a day).
  applicationSlaHours: z.record(z.string().min(1), boundedNumber('applicationSlaHours.*')).default({}),
  exceptions: z.strictObject({ path: z.string().min(1).nullable().default(null) }).prefault({}),
  pagerduty: z
    .strictObject({
      eventsUrl: baseUrl.default('https://events.pagerduty.com/v2/enqueue'),
      source: z.string().min(1).optional(),
      retries: boundedNumber('pagerduty.retries').default(3),
      retryMinDelayMs: boundedNumber('pagerduty.retryMinDelayMs').default(1000),
      maxEventsPerMinute: boundedNumber('pagerduty.maxEventsPerMinute').default(100),
      renotifyMinutes: boundedNumber('pagerduty.renotifyMinutes').default(240),
      timeoutSeconds: boundedNumber('pagerduty.timeoutSeconds').default(10),
      concurrency: boundedNumber('pagerduty.concurrency').default(4),
    })
    .prefault({}),
  state: z.strictObject({ path: z.string().min(1).default('./watchdog-state.json') }).prefault({}),
  deadLetter: z.strictObject({ path: z.string().min(1).default('./dead_letter.jsonl') }).prefault({}),
  audit: z.strictObject({ path: z.string().min(1).default('./audit.jsonl') }).prefault({}),
  health: z
    .strictObject({
      alertAfterFailures: boundedNumber('health.alertAfterFailures').default(3),
      heartbeatUrl: heartbeatUrl.nullable().default(null),
    })
    .prefault({}),
  storm: z.strictObject({ threshold: boundedNumber('storm.threshold').default(25) }).prefault({}),
  metrics: z.strictObject({ path: z.string().min(1).nullable().default(null) }).prefault({}),
  /** IIQ tasks the Leaver chain depends on (the identity refresh): paged when they fail or stop running. IIQ only. */
  chain: z
    .strictObject({
      tasks: z
        .array(
          z.strictObject({
            name: z.string().trim().min(1, 'must name an IdentityIQ task'),
            maxAgeHours: boundedNumber('chain.tasks[].maxAgeHours'),
          }),
        )
        .max(20, 'must name at most 20 tasks')
        .refine((tasks) => new Set(tasks.map((task) => task.name)).size === tasks.length, 'must not name a task twice')
        .default([]),
    })
    .prefault({}),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
