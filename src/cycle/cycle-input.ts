import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ExitCode } from '../errors.js';
import type { DeliveryMode } from '../delivery/mode.js';
import type { ApprovedException } from '../sla/account-policy.js';
import type { IdentitySource } from '../source/identity-source.js';
import type { DeliveryCounts } from './notifications.js';

/** Everything one cycle needs; I/O is injected so tests can swap it. */
export interface CycleInput {
  config: Config;
  source: IdentitySource;
  /** A dry run sends and writes nothing; `deliver` sends through its sender and records every answer. */
  mode: DeliveryMode;
  /** The instant the cycle evaluates at (`--now`, or the clock). */
  now: Date;
  logger: Logger;
  /** Where the dry run prints its planned actions (stdout). */
  writeStdout: (text: string) => void;
  writeStderr: (text: string) => void;
  /** IIQ requests made so far, for the summary. */
  sourceRequestCount: () => number;
  /** GETs `health.heartbeatUrl` after a successful cycle (dead man's switch). */
  pingHeartbeat: (url: string) => Promise<void>;
  /** Aborts (reason `SIGTERM` or `SIGINT`) when the run must stop: nothing new starts, what is in flight is recorded. */
  stop?: AbortSignal;
  /** Approved exceptions from `exceptions.path`, validated against `now`. */
  exceptions?: readonly ApprovedException[];
}

/** The outcome of one cycle. */
export interface CycleOutcome {
  exitCode: ExitCode;
  summary: CycleSummary;
}

/** The counts of the final log record. */
export interface CycleSummary extends DeliveryCounts {
  dryRun: boolean;
  inactiveListed: number;
  /** Leavers the source still shows active, listed this cycle. */
  notStartedListed: number;
  pastSla: number;
  linksFetched: number;
  /** Open incidents whose identity the listing lacked, looked up on their own. */
  identitiesLookedUp: number;
  /** Accounts IIQ gave no status for: counted toward breaches like enabled ones. */
  unknownStatusAccounts: number;
  /** Re-check schedule: identities past SLA skipped as verified clean, and verified ones read again (due, or changed). */
  verifiedCleanSkipped: number;
  verifiedCleanRechecked: number;
  /** Identities read only because they own an account the source changed since the watermark. */
  accountChangedReads: number;
  /** Where the next change read starts (ISO); undefined where the source cannot say which accounts changed. */
  changeWatermark: string | undefined;
  /** Stalled leavers the source accepted a processing request for (a dry run: planned), and requests that failed. */
  processingRequested: number;
  processingRequestFailures: number;
  held: number;
  openIncidents: number;
  openIncidentsByTier: Record<string, number>;
  sourceRequests: number;
  sourceReadError: string | undefined;
  /** Open chain task incidents (IIQ tasks the Leaver chain depends on) after the cycle. */
  openTaskIncidents: number;
  /** Each `chain.tasks` task as this cycle found it: ok, failed, stale, never (no success on record), or unread. */
  chainTasks: { task: string; health: string }[];
  durationMs: number;
  /** The signal that stopped the cycle early, if one did. */
  interruptedBy?: string;
}
