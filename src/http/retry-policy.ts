/** What to do with an HTTP status: deliver/accept, try again, or give up at once. */
export type StatusClass = 'ok' | 'retry' | 'fail';

/** One place that says which statuses are worth another attempt (timeouts, throttling, server errors). */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}

/** Retry-After as milliseconds to wait: delta-seconds or an HTTP date; undefined when absent or unusable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    // The abort reason is the caller's (SIGTERM, "journal"): passed through as given, Error or not.
    /* eslint-disable @typescript-eslint/prefer-promise-reject-errors */
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    /* eslint-enable @typescript-eslint/prefer-promise-reject-errors */
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
