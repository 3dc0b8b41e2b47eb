/**
 * The scenario file of `sandbox --scenario FILE`: the identities the fake sources
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

const offsetInstant = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)), {
    message: 'must be an ISO 8601 date-time with an offset, e.g. "2026-11-21T01:42:13.907-05:00"',
  });

// An IIQ TaskResult the fake serves at /scim/v2/TaskResults (`completed` and `completionStatus` absent while it runs).
const taskResultSchema = z.strictObject({
  id: nonBlank.optional(),
  name: nonBlank,
  launched: offsetInstant,
  completed: offsetInstant.optional(),
  completionStatus: z.enum(['Success', 'Warning', 'Error', 'Terminated', 'TempError']).optional(),
});

const scenarioSchema = z.strictObject({
  /** Free text for the people who keep the file (JSON has no comments). */
  description: z.string().optional(),
  identities: z.array(identitySchema).max(100_000, 'at most 100000 identities'),
  taskResults: z.array(taskResultSchema).max(1000, 'at most 1000 task results').default([]),
});

/** One IIQ task result of a scenario, as the fake IIQ serves it. */
export interface ScenarioTaskResult {
  id: string;
  name: string;
  launched: string;
  completed?: string;
  completionStatus?: 'Success' | 'Warning' | 'Error' | 'Terminated' | 'TempError';
}

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
  return parseScenarioFile(raw, name).identities;
}

/** The task results a parsed scenario declares (none by default). Throws ConfigError like parseScenario. */
export function parseScenarioTaskResults(raw: unknown, name: string): ScenarioTaskResult[] {
  return parseScenarioFile(raw, name).taskResults;
}

function parseScenarioFile(raw: unknown, name: string): { identities: ScenarioIdentity[]; taskResults: ScenarioTaskResult[] } {
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
  const taskResults = parsed.data.taskResults.map((t, index): ScenarioTaskResult => ({
    id: t.id ?? `task-result-${index + 1}`,
    name: t.name,
    launched: t.launched,
    ...(t.completed === undefined ? {} : { completed: t.completed }),
    ...(t.completionStatus === undefined ? {} : { completionStatus: t.completionStatus }),
  }));
  return { identities, taskResults };
}

/** Reads and validates a scenario file (exit 2 when unreadable or invalid). */
export function loadScenario(path: string): ScenarioIdentity[] {
  return parseScenario(readScenarioJson(path), path);
}

/** Reads and validates a scenario file: its identities and its IIQ task results (exit 2 when unreadable or invalid). */
export function loadScenarioWithTasks(path: string): { identities: ScenarioIdentity[]; taskResults: ScenarioTaskResult[] } {
  return parseScenarioFile(readScenarioJson(path), path);
}

function readScenarioJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read scenario file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
  return parseJsonText(text, `scenario file ${path}`);
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
