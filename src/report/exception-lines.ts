import { z } from 'zod';

/** An exception record of the audit log (spec 11) as the report uses it. */
export interface ExceptionFacts {
  identityId: string;
  identityName: string;
  tier: string;
  applications: string[];
  until: string;
  /** The instant the exception ends (older records without `expires_at`: parsed from `until`). */
  expiresAtMs: number | undefined;
  reason: string;
  approvedBy: string;
  recordedAtMs: number;
}

const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO 8601 instant');

const exceptionLine = z.object({
  event_action: z.literal('exception'),
  identity_id: z.string(),
  identity_name: z.string(),
  tier: z.string().min(1),
  applications: z.array(z.string()).default([]),
  until: z.string(),
  expires_at: instant.optional(),
  reason: z.string(),
  approved_by: z.string(),
  recorded_at: instant,
});

/** Parses an audit line whose `event_action` is "exception". Pure; never throws. */
export function parseExceptionLine(raw: unknown): { ok: true; exception: ExceptionFacts } | { ok: false; reason: string } {
  const parsed = exceptionLine.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.map(String).join('.') || 'line'}: ${issue?.message ?? 'invalid'}` };
  }
  const line = parsed.data;
  const expiresAtMs = Date.parse(line.expires_at ?? line.until);
  return {
    ok: true,
    exception: {
      identityId: line.identity_id,
      identityName: line.identity_name,
      tier: line.tier,
      applications: line.applications,
      until: line.until,
      expiresAtMs: Number.isNaN(expiresAtMs) ? undefined : expiresAtMs,
      reason: line.reason,
      approvedBy: line.approved_by,
      recordedAtMs: Date.parse(line.recorded_at),
    },
  };
}
