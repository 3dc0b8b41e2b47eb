import type { Decision } from './decide.js';
import { applicationDedupKey } from './incident.js';
import { breachApplications, type OpenIncident, type Severity } from './incident.js';
import { isEscalation, isRenotifyDue } from './renotify.js';

type TriggerDecision = Extract<Decision, { action: 'trigger' | 'retrigger' }>;
type ResolveDecision = Extract<Decision, { action: 'resolve' }>;

/** An application incident standing for many identities (storm control), as kept in state. */
export interface OpenStorm {
  dedupKey: string;
  application: string;
  severity: Severity;
  identityCount: number;
  firstSentAt: string;
  lastSentAt: string;
  /** Its last trigger's delivery is unknown (a killed run): the next cycle re-sends it. */
  unconfirmed?: true;
}

/** What an application incident says when it is (re-)sent. */
export interface StormFacts {
  dedupKey: string;
  application: string;
  severity: Severity;
  identityCount: number;
  /** Up to 20 identity names, sorted. */
  identityNames: string[];
  tiers: Record<string, number>;
}

/** A decision about an application incident. `cover` = identity breaches it takes over on delivery. */
export type StormDecision =
  | { action: 'trigger' | 'retrigger'; reason: string; storm: StormFacts; previous: OpenStorm | undefined; cover: TriggerDecision[] }
  | { action: 'resolve'; reason: string; storm: OpenStorm; cover: [] };

/** State changes for identities an application incident covers: recorded without an event of their own. */
export type QuietChange = { kind: 'covered-update'; decision: TriggerDecision } | { kind: 'covered-resolve'; decision: ResolveDecision };

/** The cycle's decisions split into what is sent per identity, per application, and recorded quietly. */
export interface StormPlan {
  individual: Decision[];
  storms: StormDecision[];
  quiet: QuietChange[];
}

/** Input of storm control. */
export interface StormInput {
  decisions: readonly Decision[];
  openIncidents: Readonly<Record<string, OpenIncident>>;
  openStorms: Readonly<Record<string, OpenStorm>>;
  threshold: number;
  nowMs: number;
  renotifyMinutes: number;
}

const MAX_NAMES = 20;

/** The dedup key of a new application incident; the rules live with the other keys in incident.ts. */
export const stormDedupKey = applicationDedupKey;

/**
 * The key of an application's incident: the one already open for it (incidents opened before
 * version 0.2 keep their old key until they resolve), else a new one.
 */
function stormKeyResolver(openStorms: Readonly<Record<string, OpenStorm>>): (application: string) => string {
  const open = new Map(Object.values(openStorms).map((storm) => [storm.application, storm.dedupKey]));
  return (application) => open.get(application) ?? applicationDedupKey(application);
}

/**
 * Storm control. When one application accounts for at least `threshold` new breaches
 * in a cycle (a connector outage), one incident per application stands for every identity
 * whose active applications are all storm applications; identities with other active
 * applications keep their own incident. An application incident resolves when no identity it
 * covers is left. Pure.
 */
export function planStorms(input: StormInput): StormPlan {
  const newBreachCounts = new Map<string, number>();
  for (const decision of input.decisions) {
    if (decision.action !== 'trigger') continue;
    // Unknown-status accounts count like enabled ones: a release without account status is a storm too.
    for (const application of breachApplications(decision.breach))
      newBreachCounts.set(application, (newBreachCounts.get(application) ?? 0) + 1);
  }
  const stormApplications = new Set<string>(Object.values(input.openStorms).map((storm) => storm.application));
  for (const [application, count] of newBreachCounts) if (count >= input.threshold) stormApplications.add(application);

  const plan: StormPlan = { individual: [], storms: [], quiet: [] };
  if (stormApplications.size === 0) return { ...plan, individual: [...input.decisions] };

  const keyOf = stormKeyResolver(input.openStorms);
  const newlyCovered = new Map<string, TriggerDecision[]>();
  const leaving = new Set<string>();
  for (const decision of input.decisions) {
    if (decision.action === 'resolve' && decision.incident.coveredBy) {
      plan.quiet.push({ kind: 'covered-resolve', decision });
      leaving.add(decision.incident.dedupKey);
      continue;
    }
    if (decision.action !== 'trigger' && decision.action !== 'retrigger') {
      plan.individual.push(decision);
      continue;
    }
    const applications = breachApplications(decision.breach);
    const wasCoveredBy = decision.previous?.coveredBy;
    if (applications.length === 0 || !applications.every((application) => stormApplications.has(application))) {
      // Other active applications: the identity needs its own incident.
      if (wasCoveredBy) leaving.add(decision.breach.dedupKey);
      plan.individual.push(decision);
      continue;
    }
    const coverKey = chooseStorm(applications, wasCoveredBy, newBreachCounts, keyOf);
    if (coverKey === wasCoveredBy) {
      plan.quiet.push({ kind: 'covered-update', decision });
    } else {
      if (wasCoveredBy) leaving.add(decision.breach.dedupKey);
      newlyCovered.set(coverKey, [...(newlyCovered.get(coverKey) ?? []), decision]);
    }
  }

  const stormKeys = new Set([...Object.keys(input.openStorms), ...newlyCovered.keys()]);
  for (const key of [...stormKeys].sort()) {
    const decision = decideStorm(key, input, newlyCovered.get(key) ?? [], leaving, plan.quiet, keyOf);
    if (decision) plan.storms.push(decision);
  }
  return plan;
}

// The storm an identity already belongs to, else that of its application with the most new breaches.
function chooseStorm(
  applications: readonly string[],
  wasCoveredBy: string | undefined,
  counts: ReadonlyMap<string, number>,
  keyOf: (application: string) => string,
): string {
  const keys = applications.map(keyOf);
  if (wasCoveredBy && keys.includes(wasCoveredBy)) return wasCoveredBy;
  const [busiest = ''] = [...applications].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b));
  return keyOf(busiest);
}

function decideStorm(
  key: string,
  input: StormInput,
  cover: TriggerDecision[],
  leaving: ReadonlySet<string>,
  quiet: readonly QuietChange[],
  keyOf: (application: string) => string,
): StormDecision | undefined {
  const previous = input.openStorms[key];
  const updates = new Map(
    quiet.flatMap((q) => (q.kind === 'covered-update' ? [[q.decision.breach.dedupKey, q.decision.breach] as const] : [])),
  );
  const members = [
    ...Object.values(input.openIncidents)
      .filter((incident) => incident.coveredBy === key && !leaving.has(incident.dedupKey))
      .map((incident) => updates.get(incident.dedupKey) ?? incident),
    ...cover.map((decision) => decision.breach),
  ];
  if (members.length === 0) {
    return previous && { action: 'resolve', reason: 'no covered identity has active accounts left', storm: previous, cover: [] };
  }
  // A new storm has covered breaches (members come from them): one of their applications has this key.
  const application =
    previous?.application ?? cover.flatMap((decision) => breachApplications(decision.breach)).find((a) => keyOf(a) === key) ?? key;
  const severity = members.some((member) => member.severity === 'error') ? 'error' : 'warning';
  const tiers: Record<string, number> = {};
  for (const member of members) tiers[member.tier] = (tiers[member.tier] ?? 0) + 1;
  const storm: StormFacts = {
    dedupKey: key,
    application,
    severity,
    identityCount: members.length,
    identityNames: members
      .map((member) => member.identityName)
      .sort()
      .slice(0, MAX_NAMES),
    tiers,
  };
  if (!previous)
    return { action: 'trigger', reason: `${cover.length} new breaches on ${application} in one cycle`, storm, previous, cover };
  const reason = previous.unconfirmed
    ? 'previous delivery unconfirmed'
    : cover.length > 0
      ? `${cover.length} more identities covered`
      : isEscalation(severity, previous.severity)
        ? 'severity escalated'
        : isRenotifyDue(previous.lastSentAt, input.nowMs, input.renotifyMinutes)
          ? 'renotify interval elapsed'
          : undefined;
  return reason ? { action: 'retrigger', reason, storm, previous, cover } : undefined;
}
