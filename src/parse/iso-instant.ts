import { z } from 'zod';

/** A string `Date.parse` reads as an instant (the files we write; what IIQ and ISC send is stricter). */
export const isoInstant = isoInstantSaying('must be an ISO 8601 instant');

/** The same check with its own failure message. */
export function isoInstantSaying(message: string): z.ZodString {
  return z.string().refine((value) => !Number.isNaN(Date.parse(value)), message);
}
