/** Per-application SLA hours from termination (`applicationSlaHours`), replacing the tier's. */
export type ApplicationSlaHours = Readonly<Record<string, number>>;

/** The SLA an account of `application` has: its application's own, else its identity's tier's. */
export function accountSlaHours(application: string, tierSlaHours: number, applicationSlaHours: ApplicationSlaHours): number {
  return (Object.hasOwn(applicationSlaHours, application) ? applicationSlaHours[application] : undefined) ?? tierSlaHours;
}

/**
 * The shortest SLA any account of an identity of this tier can have. Accounts are read once it
 * has passed: an application whose SLA is shorter than the tier's makes identities due earlier.
 */
export function earliestSlaHours(tierSlaHours: number, applicationSlaHours: ApplicationSlaHours): number {
  return Math.min(tierSlaHours, ...Object.values(applicationSlaHours));
}
