import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { OpenIncident } from '../sla/incident.js';
import { readRegularFileText, writeFileAtomic } from './local-file.js';

const PREFIX = 'iiq_leaver_sla_watchdog';
const LAST_SUCCESS = `${PREFIX}_last_success_timestamp_seconds`;

/** What one finished cycle contributes to the Prometheus textfile. */
export interface MetricsSample {
  /** When the cycle finished (the clock, not `--now`). */
  finishedAtMs: number;
  exitCode: number;
  /** When the last cycle with exit 0 finished; undefined = never (written as 0). */
  lastSuccessAtMs: number | undefined;
  durationMs: number;
  inactiveListed: number;
  /** Leavers the source still shows active; absent in samples of older callers = 0. */
  notStartedListed?: number;
  pastSla: number;
  /** Re-check schedule: identities skipped as verified clean, and verified ones read again this cycle. */
  verifiedCleanSkipped: number;
  verifiedCleanRechecked: number;
  /** Identities read because they own an account changed since the watermark. */
  accountChangedReads: number;
  /** The watermark the next change read starts from (epoch ms); undefined = none (written as 0). */
  changeWatermarkMs: number | undefined;
  /** Open identity incidents by tier; every configured tier appears, with 0 if none. */
  openByTier: Record<string, number>;
  eventsSent: { trigger: number; retrigger: number; resolve: number };
  deadLettered: number;
  sourceRequests: number;
  /** Open chain task incidents (IIQ tasks the Leaver chain depends on); absent in samples of older callers. */
  openTaskIncidents?: number;
  /** Processing requests the source accepted for stalled leavers, and those that failed; absent in samples of older callers = 0. */
  processingRequested?: number;
  processingRequestFailures?: number;
}

/** Counts open incidents per tier, listing every configured tier (0 where none is open). */
export function countOpenByTier(incidents: Readonly<Record<string, OpenIncident>>, tiers: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(tiers.map((tier) => [tier, 0]));
  for (const incident of Object.values(incidents)) counts[incident.tier] = (counts[incident.tier] ?? 0) + 1;
  return counts;
}

/** The textfile in Prometheus exposition format 0.0.4 (node_exporter / windows_exporter textfile collector). Pure. */
export function renderMetrics(sample: MetricsSample): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, values: [labels: string, value: number][]): void => {
    lines.push(`# HELP ${PREFIX}_${name} ${help}`, `# TYPE ${PREFIX}_${name} gauge`);
    for (const [labels, value] of values) lines.push(`${PREFIX}_${name}${labels} ${formatValue(value)}`);
  };
  const seconds = (ms: number): number => ms / 1000;
  gauge('last_success_timestamp_seconds', 'Unix time the last cycle that exited 0 finished (0: none recorded yet).', [
    ['', sample.lastSuccessAtMs === undefined ? 0 : seconds(sample.lastSuccessAtMs)],
  ]);
  gauge('last_run_timestamp_seconds', 'Unix time the last cycle finished, whatever its exit code.', [['', seconds(sample.finishedAtMs)]]);
  gauge('last_run_exit_code', 'Exit code of the last cycle (0 ok, 1 dead-lettered, 3 IIQ read failed).', [['', sample.exitCode]]);
  gauge('last_run_duration_seconds', 'Duration of the last cycle.', [['', seconds(sample.durationMs)]]);
  gauge('identities_inactive', 'Inactive identities listed from IIQ in the last cycle.', [['', sample.inactiveListed]]);
  gauge('identities_not_started', 'Leavers the source still shows active (termination past, within the lookback) in the last cycle.', [
    ['', sample.notStartedListed ?? 0],
  ]);
  gauge('processing_requests', 'Processing requests for leavers still active in the source, by outcome, in the last cycle.', [
    ['{outcome="accepted"}', sample.processingRequested ?? 0],
    ['{outcome="failed"}', sample.processingRequestFailures ?? 0],
  ]);
  gauge('identities_past_sla', 'Inactive identities past their SLA in the last cycle.', [['', sample.pastSla]]);
  gauge(
    'identities_skipped_verified_clean',
    'Identities past SLA whose accounts were not read in the last cycle: verified clean, re-check not yet due.',
    [['', sample.verifiedCleanSkipped]],
  );
  gauge(
    'identities_rechecked',
    'Identities verified clean whose accounts were read again in the last cycle (re-check due, or termination or tier changed).',
    [['', sample.verifiedCleanRechecked]],
  );
  gauge(
    'identities_read_account_changed',
    'Identities whose accounts were read in the last cycle only because the source changed one of their accounts since the watermark.',
    [['', sample.accountChangedReads]],
  );
  gauge(
    'change_watermark_timestamp_seconds',
    'Unix time from which the next read of changed accounts starts (0: none, e.g. IIQ REST or before the first cycle).',
    [['', sample.changeWatermarkMs === undefined ? 0 : seconds(sample.changeWatermarkMs)]],
  );
  gauge(
    'breaches_open',
    'Open Leaver SLA incidents after the last cycle, by tier.',
    Object.entries(sample.openByTier)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tier, count]) => [`{tier="${escapeLabel(tier)}"}`, count]),
  );
  gauge('events_sent', 'PagerDuty events delivered in the last cycle, by action.', [
    ['{action="trigger"}', sample.eventsSent.trigger],
    ['{action="retrigger"}', sample.eventsSent.retrigger],
    ['{action="resolve"}', sample.eventsSent.resolve],
  ]);
  gauge('dead_letters', 'PagerDuty events dead-lettered in the last cycle.', [['', sample.deadLettered]]);
  gauge('source_requests', 'HTTP requests sent to the identity source (IIQ or ISC) in the last cycle (attempts, retries included).', [
    ['', sample.sourceRequests],
  ]);
  if (sample.openTaskIncidents !== undefined)
    gauge(
      'chain_task_incidents_open',
      'Open chain task incidents after the last cycle (an IdentityIQ task the Leaver chain depends on failed or has not run).',
      [['', sample.openTaskIncidents]],
    );
  return `${lines.join('\n')}\n`;
}

/** The last-success timestamp recorded in a previous textfile, in ms; undefined if none. Pure. */
export function parseLastSuccessMs(text: string): number | undefined {
  const match = new RegExp(`^${LAST_SUCCESS} (\\S+)$`, 'm').exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : undefined;
}

/**
 * Writes the textfile atomically, 0600 like every file the watchdog creates (the exporter reads
 * it as the same user, or through a group ACL on the folder). The last-success timestamp
 * advances only on exit 0; otherwise it is carried over from the file being replaced.
 */
export async function writeMetricsFile(path: string, sample: Omit<MetricsSample, 'lastSuccessAtMs'>): Promise<void> {
  const lastSuccessAtMs = sample.exitCode === 0 ? sample.finishedAtMs : parseLastSuccessMs(await readPreviousMetrics(path));
  await writeFileAtomic(path, renderMetrics({ ...sample, lastSuccessAtMs }));
}

// The file being replaced: a missing one is empty; a FIFO or device there is refused (never read until it ends).
async function readPreviousMetrics(path: string): Promise<string> {
  return (await readRegularFileText(path)) ?? '';
}

/** writeMetricsFile for the end of a cycle: a failure is logged, never changes the cycle's exit code. */
export async function writeCycleMetrics(
  path: string | null,
  sample: Omit<MetricsSample, 'lastSuccessAtMs'>,
  logger: Logger,
): Promise<void> {
  if (path === null) return;
  try {
    await writeMetricsFile(path, sample);
  } catch (error) {
    logger.error({ path, error: describeError(error) }, 'metrics file could not be written');
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
