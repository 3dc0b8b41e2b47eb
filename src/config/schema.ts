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
  }).optional(),
  /** Identity Security Cloud as the source instead of IIQ (spec 9); exactly one of the two. */
  isc: z
    .strictObject({
      baseUrl: httpUrl,
      // Technical names, e.g. "inactive"; they go into a search query, so no operators.
      lifecycleStates: z
        .array(z.string().max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a lifecycle state technical name (letters, digits, "_", "." or "-")'))
        .min(1, 'must name at least one lifecycle state')
        .max(20)
        .default(['inactive']),
      pageSize: z.number().int().min(1).max(250).default(250),
      concurrency: z.number().int().min(1).max(16).default(4),
      maxRequestsPer10Seconds: z.number().int().min(1).max(100).default(90),
      timeoutSeconds: z.number().positive().max(600).default(30),
      retries: z.number().int().min(0).max(10).default(3),
      retryMinDelayMs: z.number().int().min(0).max(60_000).default(500),
      caFile: z.string().min(1).optional(),
      identityUrlTemplate: z.string().includes('{id}').optional(),
    })
    .optional(),
  leaver: z.strictObject({
    terminationDateAttribute: z.string().min(1),
    tierAttribute: z.string().min(1).optional(),
    defaultTier: z.string().min(1).default('standard'),
    timezone: timeZone.default('UTC'),
  }),
  slaHours: z.record(z.string().min(1), z.number().positive('must be a positive number of hours')).refine(
    (tiers) => Object.keys(tiers).length > 0,
    'must name at least one tier',
  ),
  excludedApplications: z.array(z.string()).default([]),
  // Spec 11: grace per application, bounded like an exception (a year and a day).
  applicationSlaHours: z
    .record(z.string().min(1), z.number().positive('must be a positive number of hours').max(8784, 'must be at most 8784 hours (366 days)'))
    .default({}),
  exceptions: z.strictObject({ path: z.string().min(1).nullable().default(null) }).prefault({}),
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
