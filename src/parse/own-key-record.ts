import { z } from 'zod';

/**
 * A JSON object keyed by values from outside (identity ids), parsed into an object without a
 * prototype: a key such as "__proto__" or "constructor" is kept as an ordinary entry (z.record
 * drops "__proto__", and a plain object would answer "constructor" from its prototype).
 * Each value must match `value`, as with z.record.
 */
export function ownKeyRecord<T extends z.ZodType>(value: T): z.ZodType<Record<string, z.output<T>>> {
  return z.unknown().transform((raw, ctx): Record<string, z.output<T>> => {
    const entries = Object.create(null) as Record<string, z.output<T>>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      ctx.addIssue({ code: 'custom', message: 'expected an object' });
      return z.NEVER;
    }
    for (const [key, entry] of Object.entries(raw)) {
      const parsed = value.safeParse(entry);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid value', path: [key] });
        return z.NEVER;
      }
      entries[key] = parsed.data;
    }
    return entries;
  });
}
