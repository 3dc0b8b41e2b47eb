import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { createRequire } from 'node:module';
import type { Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentClass } from 'undici';
// Without a proxy, the Agent alone, not undici's index: the index also loads fetch, WebSocket,
// the cache and their parsers, about a third of a cron run's start-up CPU, none of which the
// request core uses (it only dispatches). undici 7 has no exports map, so the path resolves as
// it is; a major upgrade that moves it fails every HTTP test at once.
import Agent from 'undici/lib/dispatcher/agent.js';
import { ConfigError } from '../errors.js';

/** How one pooled HTTP client (one per upstream host) behaves. */
export interface DispatcherOptions {
  /** Keep-alive connections per origin: sized to the request concurrency. */
  connections: number;
  timeoutMs: number;
  /** PEM file of an internal CA, added to (not replacing) verification. */
  caFile?: string | undefined;
  /** The config key of `caFile`, for the error message (default iiq.caFile). */
  caFileKey?: string;
}

/**
 * A pooled undici dispatcher, the one every request goes through. It honours HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY (as they were when it was built), keeps connections alive and never turns certificate verification off.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const ca = options.caFile ? readCaFile(options.caFile, options.caFileKey ?? 'iiq.caFile') : undefined;
  // Passing `ca` replaces Node's bundled roots; keep them so public CAs still verify.
  const tls = ca ? { ca: [...rootCertificates, ca], rejectUnauthorized: true } : { rejectUnauthorized: true };
  const agentOptions = {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  };
  // No proxy variable (read the way EnvHttpProxyAgent reads them): it would send every request
  // through a plain Agent with these options anyway, after parsing each request's origin to
  // check NO_PROXY. The Agent itself spares that per request.
  const env = process.env;
  if (!(env.http_proxy ?? env.HTTP_PROXY) && !(env.https_proxy ?? env.HTTPS_PROXY)) return new Agent(agentOptions);
  // Through a proxy, undici's index: it gives every dispatcher the connect() the proxy agent opens
  // its CONNECT tunnel with, which the Agent path above never needs.
  const { EnvHttpProxyAgent } = createRequire(import.meta.url)('undici') as { EnvHttpProxyAgent: typeof EnvHttpProxyAgentClass };
  return new EnvHttpProxyAgent({
    // Read once, as the proxy variables are: left unset, undici reads NO_PROXY from the
    // environment again on every request (two environment look-ups a request, 40,000 a cycle).
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
    ...agentOptions,
  });
}

function readCaFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${key} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * The origin of the proxy EnvHttpProxyAgent sends a request to `url` through (the variables it
 * reads, in its order), without credentials or path: for messages. NO_PROXY is not applied: this
 * is asked only once a proxy answered.
 */
export function proxyOriginFor(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const proxy = url.startsWith('https:') ? (env.https_proxy ?? env.HTTPS_PROXY ?? http) : http;
  if (!proxy) return undefined;
  try {
    return new URL(proxy).origin;
  } catch {
    return undefined;
  }
}
