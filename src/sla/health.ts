/** Dedup key of the watchdog's own health incident; defined with the other keys in incident.ts. */
export { HEALTH_DEDUP_KEY } from './incident.js';

/** What the state file remembers about the watchdog's own health. */
export interface HealthState {
  consecutiveFailures: number;
  lastError: string | undefined;
  incidentOpen: boolean;
}

/** A fresh health record. */
export const HEALTHY: HealthState = { consecutiveFailures: 0, lastError: undefined, incidentOpen: false };

/** The health decision: the next state (if the event, when any, is delivered) and the event to send. */
export interface HealthDecision {
  next: HealthState;
  action: 'trigger' | 'resolve' | undefined;
}

/**
 * Who watches the watchdog: after `alertAfterFailures` consecutive failed cycles (exit 1 or 3)
 * one trigger; the next healthy cycle resolves it. Pure.
 */
export function decideHealth(previous: HealthState, failure: string | undefined, alertAfterFailures: number): HealthDecision {
  if (failure === undefined) {
    return { next: HEALTHY, action: previous.incidentOpen ? 'resolve' : undefined };
  }
  const next: HealthState = {
    consecutiveFailures: previous.consecutiveFailures + 1,
    lastError: failure,
    incidentOpen: previous.incidentOpen,
  };
  if (previous.incidentOpen || next.consecutiveFailures < alertAfterFailures) return { next, action: undefined };
  return { next: { ...next, incidentOpen: true }, action: 'trigger' };
}

/** What became of the health event: none was needed, PagerDuty accepted it, it failed, or it was never sent (the run stopped). */
export type HealthDelivery = 'none' | 'delivered' | 'failed' | 'not-sent';

/**
 * The health state to keep after the cycle: the decision's, except that the incident is only
 * opened or closed by a delivered event, and a run stopping before its event went out leaves the
 * health as it was (the next cycle decides again). Pure.
 */
export function settleHealth(previous: HealthState, decision: HealthDecision, delivery: HealthDelivery): HealthState {
  if (delivery === 'not-sent') return previous;
  if (delivery === 'failed') return { ...decision.next, incidentOpen: previous.incidentOpen };
  return decision.next;
}
