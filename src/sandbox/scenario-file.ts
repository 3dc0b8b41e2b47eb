/**
 * The scenario file of `sandbox --scenario FILE` (spec 13): the identities the fake sources
 * serve instead of the built-in story. Validated strictly, like the config: a bad file is exit 2
 * naming the entry and the key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseJsonText } from '../config/json-text.js';
import { ConfigError } from '../errors.js';
import { plainIssueMessage } from '../parse/first-issue.js';

/** What an account's status reads as in the fakes: `unknown` = the source does not say. */
export const ACCOUNT_STATUSES = ['enabled', 'disabled', 'unknown'] as const;
/** An account status of a scenario. */
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

const nonBlank = z.string().trim().min(1, 'must be a non-empty string');

const accountSchema = z.strictObject({
  application: nonBlank,
  nativeIdentity: nonBlank.optional(),
  status: z.enum(ACCOUNT_STATUSES, { error: 'must be "enabled", "disabled" or "unknown"' }),
});

const identitySchema = z.strictObject({
  id: nonBlank,
  name: nonBlank,
  displayName: nonBlank.optional(),
  inactive: z.boolean().default(true),
  attributes: z.record(z.string(), z.unknown()).default({}),
  accounts: z.array(accountSchema).default([]),
});

const scenarioSchema = z.strictObject({
  /** Free text for the people who keep the file (JSON has no comments). */
  description: z.string().optional(),
  identities: z.array(identitySchema).max(100_000, 'at most 100000 identities'),
});

/** One identity of a scenario, defaults applied. */
export interface ScenarioIdentity {
  id: string;
  name: string;
  displayName: string;
  inactive: boolean;
  attributes: Record<string, unknown>;
  accounts: { application: string; nativeIdentity: string; status: AccountStatus }[];
}

/** Validates a parsed scenario; throws ConfigError naming `<name>: identities[i].key: problem`. */
export function parseScenario(raw: unknown, name: string): ScenarioIdentity[] {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid scenario ${name}: ${describeScenarioIssues(parsed.error.issues)}`);
  const identities = parsed.data.identities.map((i) => ({
    id: i.id,
    name: i.name,
    displayName: i.displayName ?? i.name,
    inactive: i.inactive,
    attributes: i.attributes,
    accounts: i.accounts.map((a) => ({ application: a.application, nativeIdentity: a.nativeIdentity ?? i.name, status: a.status })),
  }));
  for (const field of ['id', 'name'] as const) {
    const seen = new Map<string, number>();
    identities.forEach((identity, index) => {
      const first = seen.get(identity[field]);
      if (first !== undefined) {
        throw new ConfigError(
          `invalid scenario ${name}: identities[${index}].${field}: "${identity[field]}" is also the ${field} of identities[${first}]`,
        );
      }
      seen.set(identity[field], index);
    });
  }
  return identities;
}

/** Reads and validates a scenario file (exit 2 when unreadable or invalid). */
export function loadScenario(path: string): ScenarioIdentity[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read scenario file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
  return parseScenario(parseJsonText(text, `scenario file ${path}`), path);
}

// `identities[2].accounts[0].status` reads better than zod's `identities.2.accounts.0.status`.
function describeScenarioIssues(issues: readonly z.core.$ZodIssue[]): string {
  const at = (path: readonly PropertyKey[]): string =>
    path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`), '');
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = at(issue.path);
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${path ? `${path}: ` : ''}unknown key "${key}"`).join('; ');
      return `${path || '(top level)'}: ${plainIssueMessage(issue.message)}`;
    })
    .join('; ');
}
