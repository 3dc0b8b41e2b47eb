import type { ProcessingRequestsCheck } from './check-processing.js';
import type { NotStartedCheck } from './check-not-started.js';
import type { ExitCode } from '../errors.js';
import type { PagerDutyProbe } from '../pagerduty/probe.js';
import type { ExceptionsCheck } from './check-exceptions.js';
import type { RecheckOutlook } from './check-recheck.js';
import type { ChainTaskCheck } from './check-chain.js';

/** What `check` found; printed as text or as JSON (`--format json`). */
export interface CheckResult {
  config: { path: string; valid: true };
  tiers: { tier: string; slaHours: number; default: boolean }[];
  routingKey: { status: 'ok' | 'missing' | 'malformed'; length: number; problem?: string };
  files: { name: string; folder: string; writable: boolean }[];
  /** The IIQ source, for an `iiq` config. */
  iiq?: { baseUrl: string; api: string; auth: string } & SourceRead;
  /** The ISC source, for an `isc` config. */
  isc?: { baseUrl: string; lifecycleStates: string[] } & SourceRead;
  /** The events URL probed without routing key. */
  pagerduty: { eventsUrl: string } & PagerDutyProbe;
  /** Plain http:// to a host other than loopback. */
  warnings: string[];
  /** Re-check schedule: what a cycle now would skip as verified clean and re-check (from the state file). */
  recheck?: RecheckOutlook;
  exitCode: ExitCode;
  /** The listing of leavers the source still shows active: works and how many, or how to fix it. */
  notStarted?: NotStartedCheck;
  /** Whether stalled leavers are handed to the source for processing, and (IIQ) through which workflow. */
  processingRequests?: ProcessingRequestsCheck;
  /** Approved exceptions: in force, expiring within 14 days, expired. */
  exceptions?: ExceptionsCheck;
  /** Each `chain.tasks` task: its newest result's status and age, and whether a cycle would page it. */
  chainTasks?: ChainTaskCheck[];
}

/** What reading the source's first page of leavers found. */
export interface SourceRead {
  ok: boolean;
  error?: string;
  identitiesRead: number;
  terminationDates: {
    parsed: number;
    unparseable: number;
    sample: { name: string; terminationDate: string; tier: string; slaDeadline: string; pastSla: boolean }[];
    /** The first few values that could not be read as an instant, as the source sent them (shortened). */
    unparseableSample?: { name: string; value: string }[];
  };
}
