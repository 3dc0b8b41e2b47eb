import { z } from 'zod';
import { isoInstant } from '../parse/iso-instant.js';
import { classifyDedupKey, DEDUP_KEY_PREFIX, type OpenIncident } from '../sla/incident.js';
import type { HealthState } from '../sla/health.js';
import { dedupKeyOfChange, kindOfChange, type StateChange } from '../sla/state-change.js';
import type { OpenStorm } from '../sla/storm.js';
import type { AuditEventLine } from '../state/audit-line.js';
import { incidentFromAudit } from '../state/rebuild-from-audit.js';
import type { DeadLetter, DeadLetterEntry } from '../state/dead-letter-file.js';
import type { PagerDutyEvent } from '../pagerduty/events.js';

/** What a dedup key stands for. */
type DedupKeyKind = ReturnType<typeof classifyDedupKey>;

/** What the audit log says about one incident (instants in epoch ms). */
export interface IncidentHistory {
  lastTriggerMs?: number;
  lastResolveMs?: number;
  /** Application (storm) incidents: the latest audit record of an identity it covers. */
  lastCoveredMs?: number;
  /** The latest trigger record since the last resolve, and the first trigger of that run: the open incident's facts. */
  open?: { record: AuditEventLine; firstSentAt: string };
}

/** What replay reads from the state file, and the health threshold of the config. */
export interface ReplayState {
  incidents: Readonly<Record<string, OpenIncident>>;
  storms: Readonly<Record<string, OpenStorm>>;
  health: HealthState;
  alertAfterFailures: number;
}

/** What replay does with one line: send it (and apply `change` once delivered), drop it (superseded), or keep it. */
export type ReplayStep =
  | { kind: 'send'; entry: DeadLetterEntry; letter: DeadLetter; change: StateChange | undefined }
  | { kind: 'drop'; entry: DeadLetterEntry; reason: string }
  | { kind: 'keep'; entry: DeadLetterEntry; reason: string; foreign?: true };

/**
 * Decides per line. Pure. A line is superseded, and dropped unsent, when a
 * later line of the file carries the same incident, or when state or audit show the incident
 * moved on after the line failed: a trigger whose incident was resolved or re-sent since (a
 * replay never re-opens a resolved incident), a resolve already delivered or overtaken by a
 * newer trigger (sending it would close the newer incident). Unparseable lines are kept.
 */
export function planReplay(
  entries: readonly DeadLetterEntry[],
  state: ReplayState,
  history: ReadonlyMap<string, IncidentHistory>,
): ReplayStep[] {
  const lastLineOf = new Map<string, number>();
  for (const entry of entries) if (entry.letter && !foreignReason(entry.letter)) lastLineOf.set(entry.letter.event.dedup_key, entry.line);
  return entries.map((entry): ReplayStep => {
    if (!entry.letter) return { kind: 'keep', entry, reason: `unparseable: ${entry.problem}` };
    const letter = entry.letter;
    const notOurs = foreignReason(letter);
    if (notOurs) return { kind: 'keep', entry, reason: notOurs, foreign: true };
    const key = letter.event.dedup_key;
    const laterLine = lastLineOf.get(key) ?? entry.line;
    if (laterLine !== entry.line) return { kind: 'drop', entry, reason: `superseded by line ${laterLine} for the same incident` };
    const failedMs = Date.parse(letter.failedAt);
    const kind = kindOfLetter(letter, state);
    if (kind === 'health') return planHealth(entry, letter, state);
    // The state was not advanced for it, so the next cycle sends it again if IIQ still says so.
    if (kind === 'task') return { kind: 'drop', entry, reason: 'chain task incident: each cycle decides it again from IIQ task results' };
    const seen = history.get(key) ?? {};
    const storm = kind === 'application';
    const lastSentAt = storm ? state.storms[key]?.lastSentAt : state.incidents[key]?.lastSentAt;
    if (storm && seen.lastCoveredMs !== undefined && seen.lastCoveredMs > failedMs) {
      return { kind: 'drop', entry, reason: 'application incident changed since (audit log of the identities it covers)' };
    }
    if (storm && letter.event.event_action === 'resolve' && !state.storms[key])
      return { kind: 'drop', entry, reason: 'application incident already resolved' };
    if (seen.lastResolveMs !== undefined && seen.lastResolveMs > failedMs) {
      return {
        kind: 'drop',
        entry,
        reason: letter.event.event_action === 'resolve' ? 'resolve already delivered' : 'incident resolved since: not re-opened',
      };
    }
    if (seen.lastTriggerMs !== undefined && seen.lastTriggerMs > failedMs)
      return { kind: 'drop', entry, reason: 'incident re-sent since (audit log)' };
    if (lastSentAt !== undefined && Date.parse(lastSentAt) > failedMs)
      return { kind: 'drop', entry, reason: 'incident re-sent since (state file)' };
    return { kind: 'send', entry, letter, change: letter.change ?? legacyChange(letter.event, kind, state, seen) };
  });
}

/**
 * Why a line is not the watchdog's to send, if it is not: its dedup key lacks our prefix (a
 * hand-edited or pasted line would otherwise go out with our routing key), or its recorded change
 * is about another incident than its event. Pure.
 */
export function foreignReason(letter: DeadLetter): string | undefined {
  const key = letter.event.dedup_key;
  if (!key.startsWith(DEDUP_KEY_PREFIX)) return `dedup key is not the watchdog's (no ${DEDUP_KEY_PREFIX} prefix): never replayed`;
  if (letter.change && dedupKeyOfChange(letter.change) !== key)
    return "the recorded change is about another incident than the event's dedup key: never replayed";
  return undefined;
}

/**
 * What a line is about: the kind its `change` carries; for lines written before version 0.2,
 * what the state knows, and only then what the key looks like (classifyDedupKey).
 */
export function kindOfLetter(letter: DeadLetter, state: Pick<ReplayState, 'incidents' | 'storms'>): DedupKeyKind {
  if (letter.change) return kindOfChange(letter.change);
  const key = letter.event.dedup_key;
  if (classifyDedupKey(key) === 'health') return 'health';
  if (key in state.incidents) return 'identity';
  if (key in state.storms) return 'application';
  return classifyDedupKey(key);
}

/**
 * The watchdog's own health incident follows `state.health`: a trigger still stands only while
 * the watchdog is failing and no health incident is open; a resolve only while one is open and
 * the watchdog is healthy again.
 */
function planHealth(entry: DeadLetterEntry, letter: DeadLetter, state: ReplayState): ReplayStep {
  const { health } = state;
  if (letter.event.event_action === 'trigger') {
    if (health.incidentOpen) return { kind: 'drop', entry, reason: 'health incident open since' };
    if (health.consecutiveFailures < state.alertAfterFailures) return { kind: 'drop', entry, reason: 'watchdog healthy since' };
    return { kind: 'send', entry, letter, change: { kind: 'health', incidentOpen: true } };
  }
  if (!health.incidentOpen) return { kind: 'drop', entry, reason: 'health incident already resolved' };
  if (health.consecutiveFailures > 0)
    return { kind: 'drop', entry, reason: 'watchdog failing again: the resolve would close a current alert' };
  return { kind: 'send', entry, letter, change: { kind: 'health', incidentOpen: false } };
}

/** Folds one audit record into the histories of the dedup keys of interest. */
export function addToHistory(histories: Map<string, IncidentHistory>, record: AuditEventLine): void {
  const sentMs = Date.parse(record.sent_at);
  if (Number.isNaN(sentMs)) return;
  const storm = record.covered_by === undefined ? undefined : histories.get(record.covered_by);
  if (storm) storm.lastCoveredMs = Math.max(storm.lastCoveredMs ?? sentMs, sentMs);
  const history = histories.get(record.dedup_key);
  if (!history) return;
  if (record.event_action === 'trigger') {
    history.lastTriggerMs = Math.max(history.lastTriggerMs ?? sentMs, sentMs);
    history.open = { record, firstSentAt: history.open?.firstSentAt ?? record.sent_at };
  } else {
    history.lastResolveMs = Math.max(history.lastResolveMs ?? sentMs, sentMs);
    delete history.open;
  }
}

const identityDetails = z.object({
  identity_name: z.string(),
  identity_id: z.string(),
  termination_date: isoInstant,
  termination_date_source: z.string().optional(),
  sla_hours: z.number(),
  sla_deadline: isoInstant,
  tier: z.string(),
  active_applications: z.array(z.string()),
  active_account_count: z.number(),
});
const stormDetails = z.object({ application: z.string(), identity_count: z.number() });

/**
 * The change a line written before version 0.2 (no `change`) stands for, from the event's own
 * structured fields (custom_details), the state and the audit log; never from its summary text.
 * Undefined when the event describes nothing to record. Pure.
 */
export function legacyChange(
  event: PagerDutyEvent,
  kind: DedupKeyKind,
  state: Pick<ReplayState, 'incidents'>,
  seen: IncidentHistory,
): StateChange | undefined {
  const key = event.dedup_key;
  if (kind === 'health') return { kind: 'health', incidentOpen: event.event_action === 'trigger' };
  if (kind === 'application') {
    if (event.event_action === 'resolve') return { kind: 'storm-close', dedupKey: key };
    const details = stormDetails.safeParse(event.payload?.custom_details);
    const severity = event.payload?.severity;
    if (!details.success || (severity !== 'warning' && severity !== 'error')) return undefined;
    return {
      kind: 'storm-open',
      storm: { dedupKey: key, application: details.data.application, severity, identityCount: details.data.identity_count },
      cover: [],
    };
  }
  if (event.event_action === 'resolve') {
    const incident = state.incidents[key] ?? (seen.open ? incidentFromAudit(seen.open) : undefined);
    return { kind: 'incident-close', reason: 'dead-letter replay', dedupKey: key, ...(incident ? { incident } : {}) };
  }
  const details = identityDetails.safeParse(event.payload?.custom_details);
  const severity = event.payload?.severity;
  if (!details.success || (severity !== 'warning' && severity !== 'error')) return undefined;
  const d = details.data;
  return {
    kind: 'incident-open',
    reason: 'dead-letter replay',
    audit: true,
    incident: {
      dedupKey: key,
      identityId: d.identity_id,
      identityName: d.identity_name,
      // The display name is in the summary only: the state's, else the account name (the next re-trigger brings it back).
      displayName: state.incidents[key]?.displayName ?? d.identity_name,
      tier: d.tier,
      slaHours: d.sla_hours,
      severity,
      activeApplications: d.active_applications,
      activeAccountCount: d.active_account_count,
      terminationDate: d.termination_date,
      terminationSource: d.termination_date_source === 'first-seen-inactive' ? 'first-seen' : 'attribute',
      slaDeadline: d.sla_deadline,
    },
  };
}

/** The change with replay's audit reason ("dead-letter replay"), as a replayed delivery is audited. Pure. */
export function withReplayReason(change: StateChange, reason: string): StateChange {
  switch (change.kind) {
    case 'incident-open':
    case 'incident-close':
      return { ...change, reason };
    case 'storm-open':
      return {
        ...change,
        cover: change.cover.map((covered) => ({ ...covered, reason: `${reason} (paged through ${change.storm.dedupKey})` })),
      };
    case 'task-open':
    case 'task-close':
      return { ...change, reason };
    case 'storm-close':
    case 'health':
      return change;
  }
}
