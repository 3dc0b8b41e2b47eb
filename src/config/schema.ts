import { z } from 'zod';

/** An http(s) URL that carries no credentials (they belong in the environment). */
export const httpUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials in it');

const timeZone = z.string().refine((zone) => {
  if (zone === 'UTC') return true; // no Intl for the default: its time-zone data costs about 8 MB of memory
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone name such as "UTC" or "Europe/Berlin"');

const positiveInt = z.number().int().positive();

/** The JSON config file of spec 3 (plus the optional sections of spec 7). Unknown keys are errors. */
export const configFileSchema = z.strictObject({
  iiq: z.strictObject({
    baseUrl: httpUrl.optional(),
    api: z.enum(['rest', 'scim']).default('rest'),
    auth: z.enum(['basic', 'oauth']).default('basic'),
    pageSize: positiveInt.max(1000).default(250),
    concurrency: positiveInt.max(64).default(8),
    timeoutSeconds: z.number().positive().default(30),
    retries: z.number().int().min(0).max(10).default(3),
    retryMinDelayMs: z.number().int().min(0).default(500),
    caFile: z.string().min(1).optional(),
    scimAccountsBulk: z.boolean().default(false),
    identityUrlTemplate: z.string().includes('{id}').optional(),
  }),
  leaver: z.strictObject({
    terminationDateAttribute: z.string().min(1),
    tierAttribute: z.string().min(1).optional(),
    defaultTier: z.string().min(1).default('standard'),
    timezone: timeZone.default('UTC'),
    // Spec 10: hours between re-reads of an identity verified clean; 0 = read every cycle.
    recheckCleanHours: z.number().min(0, 'must be 0 (read every cycle) or up to 168 hours').max(168, 'must be at most 168 hours (a week)').default(24),
  }),
  slaHours: z.record(z.string().min(1), z.number().positive('must be a positive number of hours')).refine(
    (tiers) => Object.keys(tiers).length > 0,
    'must name at least one tier',
  ),
  excludedApplications: z.array(z.string()).default([]),
  pagerduty: z
    .strictObject({
      eventsUrl: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
      source: z.string().min(1).optional(),
      retries: z.number().int().min(0).max(10).default(3),
      retryMinDelayMs: z.number().int().min(0).default(1000),
      maxEventsPerMinute: positiveInt.default(100),
      renotifyMinutes: z.number().positive().default(240),
      timeoutSeconds: z.number().positive().default(10),
      concurrency: positiveInt.max(16).default(4),
    })
    .prefault({}),
  state: z.strictObject({ path: z.string().min(1).default('./watchdog-state.json') }).prefault({}),
  deadLetter: z.strictObject({ path: z.string().min(1).default('./dead_letter.jsonl') }).prefault({}),
  audit: z.strictObject({ path: z.string().min(1).default('./audit.jsonl') }).prefault({}),
  health: z
    .strictObject({
      alertAfterFailures: positiveInt.default(3),
      heartbeatUrl: httpUrl.nullable().default(null),
    })
    .prefault({}),
  storm: z.strictObject({ threshold: positiveInt.min(2).default(25) }).prefault({}),
  metrics: z.strictObject({ path: z.string().min(1).nullable().default(null) }).prefault({}),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
