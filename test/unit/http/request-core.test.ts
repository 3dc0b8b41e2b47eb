/**
 * The one request core on undici's MockAgent (and loopback where a real socket matters): the
 * classify table, Retry-After bounded in both forms, pacing on an injected clock, renew-once on a
 * 401, abort, and which network failures leave a sent request unconfirmed. No real waiting.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_RETRY_AFTER_MS,
  createRequestCore,
  type AuthSupplier,
  type HttpAnswer,
  type HttpCall,
  type RequestCoreOptions,
  type Verdict,
} from '../../../src/http/request-core.js';
import { RollingWindowPacer } from '../../../src/http/rolling-window-pacer.js';
import { describeNetworkError, failedBeforeSending } from '../../../src/http/network-error.js';

const ORIGIN = 'http://upstream.test';
const NOW_MS = Date.parse('2026-11-24T12:00:00Z');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

/** A MockAgent answering the given replies in order (status, headers, body), then failing the test. */
function scripted(replies: { status: number; headers?: Record<string, string>; body?: string }[]) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const seen: { authorization: string | undefined }[] = [];
  for (const reply of replies) {
    pool.intercept({ path: '/x', method: () => true }).reply((request) => {
      const headers = request.headers as Record<string, string>;
      seen.push({ authorization: headers.authorization });
      return { statusCode: reply.status, data: reply.body ?? '', responseOptions: { headers: reply.headers ?? {} } };
    });
  }
  cleanups.push(() => agent.close());
  return { agent, seen };
}

/** The core on `dispatcher` with no real waiting: every wait is recorded and returns at once. */
function coreOn(dispatcher: RequestCoreOptions['dispatcher'], overrides: Partial<RequestCoreOptions> = {}) {
  const waits: number[] = [];
  const core = createRequestCore({
    dispatcher,
    timeoutMs: 1_000,
    retries: 3,
    retryMinDelayMs: 100,
    network: { urlKey: 'test.baseUrl' },
    nowMs: () => NOW_MS,
    random: () => 0,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  return { core, waits };
}

/** The classify of the table below: 2xx ok, 408/429/5xx retry (with Retry-After), 401 renewable, other fail. */
function classify(answer: HttpAnswer): Verdict<number, string> {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'ok', value: status };
  if (status === 401) return { kind: 'fail', reason: 'HTTP 401', renewAuth: true };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason: `HTTP ${status}`, afterMs: answer.retryAfterMs() };
  return { kind: 'fail', reason: `HTTP ${status}` };
}

const call = (overrides: Partial<HttpCall<number, string>> = {}): HttpCall<number, string> => ({
  method: 'GET',
  origin: ORIGIN,
  path: '/x',
  headers: {},
  classify,
  networkError: ({ description }) => `network: ${description}`,
  ...overrides,
});

describe('the request core', () => {
  it.each<[string, number[], { ok: boolean; attempts: number; exhausted?: boolean; reason?: string }]>([
    ['2xx at once', [200], { ok: true, attempts: 1 }],
    ['503, 500, then 202', [503, 500, 202], { ok: true, attempts: 3 }],
    ['400 is final after one attempt', [400], { ok: false, attempts: 1, exhausted: false, reason: 'HTTP 400' }],
    ['404 is final', [404], { ok: false, attempts: 1, exhausted: false, reason: 'HTTP 404' }],
    ['500s until the retries are used up', [500, 500, 500, 500], { ok: false, attempts: 4, exhausted: true, reason: 'HTTP 500' }],
    ['408 then 200', [408, 200], { ok: true, attempts: 2 }],
  ])('classify table: %s', async (_name, statuses, expected) => {
    const { agent } = scripted(statuses.map((status) => ({ status })));
    const { core, waits } = coreOn(agent);
    const outcome = await core.call(call());
    expect(outcome).toMatchObject(expected);
    expect(core.requestCount).toBe(statuses.length);
    // Exponential backoff from the min delay (jitter 0): 100, 200, 400.
    expect(waits).toEqual([100, 200, 400].slice(0, statuses.length - 1));
  });

  it('honours Retry-After in seconds up to the bound, waiting the longer of it and the backoff', async () => {
    const { agent } = scripted([{ status: 429, headers: { 'retry-after': String(MAX_RETRY_AFTER_MS / 1000) } }, { status: 200 }]);
    const { core, waits } = coreOn(agent);
    expect(await core.call(call())).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([MAX_RETRY_AFTER_MS]);
  });

  it('a Retry-After in seconds past the bound fails the request at once, with the wait asked for', async () => {
    const { agent } = scripted([{ status: 429, headers: { 'retry-after': '864000' } }]);
    const { core, waits } = coreOn(agent);
    expect(await core.call(call())).toMatchObject({
      ok: false,
      attempts: 1,
      reason: 'HTTP 429',
      refusedWaitMs: 864_000_000,
      exhausted: false,
    });
    expect(waits).toEqual([]);
  });

  it('a Retry-After HTTP date is measured on the injected clock: within the bound waited for, past it refused', async () => {
    const soon = new Date(NOW_MS + 30_000).toUTCString();
    const late = new Date(NOW_MS + 3_600_000).toUTCString();
    const { agent } = scripted([
      { status: 503, headers: { 'retry-after': soon } },
      { status: 200 },
      { status: 503, headers: { 'retry-after': late } },
    ]);
    const { core, waits } = coreOn(agent);
    expect(await core.call(call())).toMatchObject({ ok: true, attempts: 2 });
    expect(waits).toEqual([30_000]);
    expect(await core.call(call())).toMatchObject({ ok: false, attempts: 1, refusedWaitMs: 3_600_000 });
  });

  it('takes every attempt from the rolling-window pacer (injected clock), and a Retry-After holds every caller back', async () => {
    const clock = { nowMs: 0 };
    const pacerWaits: number[] = [];
    const pacer = new RollingWindowPacer({
      limit: 2,
      windowMs: 10_000,
      nowMs: () => clock.nowMs,
      sleep: (ms) => {
        pacerWaits.push(ms);
        clock.nowMs += ms;
        return Promise.resolve();
      },
    });
    const { agent } = scripted([{ status: 200 }, { status: 200 }, { status: 429, headers: { 'retry-after': '30' } }, { status: 200 }]);
    const { core } = coreOn(agent, { pacer, sleep: () => Promise.resolve() });
    expect(await core.call(call())).toMatchObject({ ok: true });
    expect(await core.call(call())).toMatchObject({ ok: true });
    // The third start waits for the window; its 429 pauses the pacer 30 s for everyone.
    expect(await core.call(call())).toMatchObject({ ok: true, attempts: 2 });
    expect(pacerWaits).toEqual([10_000, 30_000]);
    expect(pacer.started).toBe(4);
  });

  it('renews the credentials once on a 401 where the integration says so, sending the fresh header', async () => {
    let issued = 0;
    const renewals: (string | undefined)[] = [];
    const auth: AuthSupplier = {
      authorization: () => Promise.resolve(`Bearer t${issued}`),
      renewAfterUnauthorized: (rejected) => {
        renewals.push(rejected);
        issued += 1;
        return Promise.resolve(true);
      },
    };
    const { agent, seen } = scripted([{ status: 401 }, { status: 401 }, { status: 401 }, { status: 200 }]);
    const { core, waits } = coreOn(agent, { auth });
    expect(await core.call(call({ authorize: true }))).toMatchObject({ ok: false, attempts: 2, reason: 'HTTP 401' });
    expect(renewals).toEqual(['Bearer t0']);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer t0', 'Bearer t1']);
    expect(waits).toEqual([]);
    // A call that is not authorised sends no header and never renews.
    expect(await core.call(call())).toMatchObject({ ok: false, attempts: 1 });
    expect(seen[2]!.authorization).toBeUndefined();
    expect(renewals).toHaveLength(1);
  });

  it('a failing header supplier is the integration’s to judge: final or retried', async () => {
    const auth: AuthSupplier = {
      authorization: () => Promise.reject(new Error('token refused')),
      renewAfterUnauthorized: () => Promise.resolve(false),
    };
    const { core } = coreOn(new MockAgent(), { auth });
    const final = await core.call(call({ authorize: true, authError: () => ({ kind: 'fail', reason: 'refused' }) }));
    expect(final).toMatchObject({ ok: false, attempts: 1, reason: 'refused' });
    const retried = await core.call(call({ authorize: true, authError: () => ({ kind: 'retry', reason: 'hiccup' }) }));
    expect(retried).toMatchObject({ ok: false, attempts: 4, exhausted: true, reason: 'hiccup' });
    expect(core.requestCount).toBe(0);
  });

  it('abort: nothing starts once the signal aborted, and a backoff wait ends at once', async () => {
    const { agent } = scripted([{ status: 500 }]);
    const before = new AbortController();
    before.abort('stopping');
    const { core } = coreOn(agent);
    expect(await core.call(call({ signal: before.signal }))).toMatchObject({ ok: false, attempts: 0, stopped: true });
    expect(core.requestCount).toBe(0);

    const during = new AbortController();
    const waiting = createRequestCore({
      dispatcher: agent,
      timeoutMs: 1_000,
      retries: 3,
      retryMinDelayMs: 100,
      network: { urlKey: 'test.baseUrl' },
      // The run stops while this request backs off: the wait rejects, no further attempt.
      sleep: (_ms, signal) => {
        during.abort('stopping');
        return Promise.reject(signal?.reason as Error);
      },
    });
    expect(await waiting.call(call({ signal: during.signal }))).toMatchObject({
      ok: false,
      attempts: 1,
      stopped: true,
      reason: 'HTTP 500',
    });
  });
});

describe('network failures', () => {
  async function listen(handler: (server: Server) => void): Promise<string> {
    const server = createServer();
    handler(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('a POST whose body went out but got no answer is unconfirmed; a refused connection is not', async () => {
    const hanging = await listen((server) => server.on('request', () => undefined));
    const dispatcher = new Agent();
    cleanups.push(() => dispatcher.close());
    const { core } = coreOn(dispatcher, { retries: 0, timeoutMs: 50 });
    const timedOut = await core.call(call({ method: 'POST', origin: hanging, body: '{}' }));
    expect(timedOut).toMatchObject({ ok: false, unconfirmed: true, reason: 'network: no answer within 0.05 s (timeout)' });

    const closed = await listen(() => undefined);
    await Promise.all(cleanups.splice(-1).map((close) => close()));
    const refused = await core.call(call({ method: 'POST', origin: closed, body: '{}' }));
    expect(refused).toMatchObject({ ok: false, unconfirmed: false });
    expect(!refused.ok && refused.reason).toMatch(/^network: connection refused/);
  });

  it('a proxy refusing the tunnel names the proxy and its status, whatever the error nesting (fetch gives a numeric code)', () => {
    const refusal = Object.assign(new Error('Proxy response (407) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' });
    const viaFetch = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new DOMException('Request was cancelled.'), { cause: refusal }),
    });
    const context = { timeoutMs: 5_000, urlKey: 'iiq.baseUrl', proxyOrigin: 'http://127.0.0.1:3128' };
    expect(describeNetworkError(viaFetch, context)).toBe('proxy http://127.0.0.1:3128 refused the tunnel: HTTP 407');
    expect(describeNetworkError(refusal, context)).toBe('proxy http://127.0.0.1:3128 refused the tunnel: HTTP 407');
    expect(failedBeforeSending(viaFetch)).toBe(true);
    // A DOMException's numeric code is no error code: never a crash on it.
    const numeric = Object.assign(new TypeError('fetch failed'), { cause: new DOMException('Request was cancelled.') });
    expect(describeNetworkError(numeric, context)).toBe('Request was cancelled.');
  });
});
