import type { MetricsSample } from '../state/metrics.js';
import type { CycleSummary } from './cycle-input.js';

/** The sample of a finished cycle. */
export function metricsSampleOf(summary: CycleSummary, exitCode: number, finishedAtMs: number): Omit<MetricsSample, 'lastSuccessAtMs'> {
  return {
    finishedAtMs,
    exitCode,
    durationMs: summary.durationMs,
    inactiveListed: summary.inactiveListed,
    notStartedListed: summary.notStartedListed,
    pastSla: summary.pastSla,
    verifiedCleanSkipped: summary.verifiedCleanSkipped,
    verifiedCleanRechecked: summary.verifiedCleanRechecked,
    accountChangedReads: summary.accountChangedReads,
    changeWatermarkMs: summary.changeWatermark === undefined ? undefined : Date.parse(summary.changeWatermark),
    openByTier: summary.openIncidentsByTier,
    eventsSent: { trigger: summary.triggered, retrigger: summary.retriggered, resolve: summary.resolved },
    deadLettered: summary.deadLettered,
    sourceRequests: summary.sourceRequests,
    openTaskIncidents: summary.openTaskIncidents,
    processingRequested: summary.processingRequested,
    processingRequestFailures: summary.processingRequestFailures,
  };
}
