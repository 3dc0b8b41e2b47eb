import { ConfigError } from '../errors.js';
import { parseExceptions, type ApprovedException } from '../sla/account-policy.js';
import { parseJsonText } from '../config/json-text.js';
import { MAX_EXCEPTIONS_BYTES, readOperatorJsonText } from '../config/config-text.js';

/** Reads and validates `exceptions.path` as of `now`; none configured = no exceptions. Throws ConfigError (exit 2). */
export function loadExceptions(path: string | null, now: Date, timeZone: string): ApprovedException[] {
  if (path === null) return [];
  let text: string;
  try {
    text = readOperatorJsonText(path, `exceptions file ${path} (exceptions.path)`, MAX_EXCEPTIONS_BYTES);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `cannot read exceptions file ${path} (exceptions.path): ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
    );
  }
  return parseExceptions(parseJsonText(text, `exceptions file ${path}`), now.getTime(), timeZone, path);
}
