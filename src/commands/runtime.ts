import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/config.js';
import { createDispatcher } from '../http/dispatcher.js';
import { createRequestCore, USER_AGENT } from '../http/request-core.js';
import { createSource, type SourceRequestCount } from '../source/create-source.js';
import { loadSourceAdapters } from './source-adapters.js';
import type { IdentitySource } from '../source/identity-source.js';
import { createPagerDutySender, type PagerDutySender } from '../pagerduty/sender.js';
import type { Redactor, Secret } from '../secrets.js';
import { ConfigError } from '../errors.js';

/** The I/O a command uses, built from config: one pooled client per upstream host. */
export interface Runtime {
  source: IdentitySource;
  /** The source's client (IIQ or ISC), for its request count. */
  iiqHttp: SourceRequestCount;
  /** Built on first use: commands that send nothing never need a routing key. */
  sender(): PagerDutySender;
  /** GET a heartbeat URL (through the proxy-aware pool); a non-2xx answer is an error. */
  pingHeartbeat(url: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds the IIQ source and the PagerDuty sender of a config; OAuth tokens are handed to the redactor as they arrive. */
export async function createRuntime(config: Config, logger: Logger, redactor: Redactor): Promise<Runtime> {
  const adapters = await loadSourceAdapters(config.source.kind);
  const iiqDispatcher = createDispatcher({
    connections: config.source.concurrency,
    timeoutMs: config.source.timeoutSeconds * 1000,
    caFile: config.source.caFile,
    caFileKey: `${config.source.kind}.caFile`,
  });
  const pagerDutyDispatcher = createDispatcher({
    connections: config.pagerduty.concurrency,
    timeoutMs: config.pagerduty.timeoutSeconds * 1000,
  });
  const { source, http } = createSource(
    config.source,
    { dispatcher: iiqDispatcher, logger, onSecret: (token) => redactor.add(token) },
    adapters,
  );
  let sender: PagerDutySender | undefined;
  return {
    source,
    iiqHttp: http,
    sender() {
      const routingKey = config.pagerduty.routingKey;
      if (!routingKey) throw new ConfigError('PAGERDUTY_ROUTING_KEY is not set');
      sender ??= createConfiguredSender(config, routingKey, pagerDutyDispatcher, logger);
      return sender;
    },
    async pingHeartbeat(url) {
      const target = new URL(url);
      // One attempt: a missed heartbeat is what the monitor on the other side alerts on.
      const core = createRequestCore({
        dispatcher: pagerDutyDispatcher,
        timeoutMs: config.pagerduty.timeoutSeconds * 1000,
        retries: 0,
        retryMinDelayMs: 0,
        network: { urlKey: 'health.heartbeatUrl' },
      });
      const outcome = await core.call<true, Error>({
        method: 'GET',
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        headers: { 'user-agent': USER_AGENT },
        classify: ({ status }) =>
          status >= 200 && status < 300
            ? { kind: 'ok', value: true }
            : { kind: 'fail', reason: new Error(`heartbeat answered HTTP ${status}`) },
        networkError: ({ description }) => new Error(`heartbeat failed: ${description}`),
      });
      if (!outcome.ok) throw outcome.reason ?? new Error('heartbeat not sent');
    },
    async close() {
      await Promise.all([iiqDispatcher.destroy(), pagerDutyDispatcher.destroy()]);
    },
  };
}

/** The PagerDuty sender of a config (run and replay deliver alike). */
export function createConfiguredSender(config: Config, routingKey: Secret, dispatcher: Dispatcher, logger: Logger): PagerDutySender {
  return createPagerDutySender({
    eventsUrl: config.pagerduty.eventsUrl,
    routingKey,
    retries: config.pagerduty.retries,
    retryMinDelayMs: config.pagerduty.retryMinDelayMs,
    maxEventsPerMinute: config.pagerduty.maxEventsPerMinute,
    concurrency: config.pagerduty.concurrency,
    timeoutMs: config.pagerduty.timeoutSeconds * 1000,
    dispatcher,
    logger,
  });
}
