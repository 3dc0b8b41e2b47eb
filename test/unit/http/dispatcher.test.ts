/**
 * createDispatcher goes through EnvHttpProxyAgent only when a proxy variable is set: without one,
 * a plain Agent with the same options does what EnvHttpProxyAgent would (the proxy itself is
 * covered end to end by test/e2e/tls-proxy.test.ts).
 */
import { Agent, EnvHttpProxyAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/http/dispatcher.js';

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'] as const;
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
const dispatchers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = saved[name];
  }
  await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close()));
});

function built(): unknown {
  const dispatcher = createDispatcher({ connections: 1, timeoutMs: 1_000 });
  dispatchers.push(dispatcher);
  return dispatcher;
}

describe('createDispatcher', () => {
  it('is a plain Agent when no proxy variable is set (an empty one counts as unset)', () => {
    for (const name of PROXY_VARIABLES) Reflect.deleteProperty(process.env, name);
    expect(built()).toBeInstanceOf(Agent);
    process.env.HTTPS_PROXY = '';
    expect(built()).toBeInstanceOf(Agent);
  });

  it.each(PROXY_VARIABLES)('goes through EnvHttpProxyAgent when %s is set', (name) => {
    for (const other of PROXY_VARIABLES) Reflect.deleteProperty(process.env, other);
    process.env[name] = 'http://127.0.0.1:3128';
    const dispatcher = built();
    expect(dispatcher).toBeInstanceOf(EnvHttpProxyAgent);
    expect(dispatcher).not.toBeInstanceOf(Agent);
  });
});
