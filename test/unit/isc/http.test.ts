/** The ISC HTTP client through msw: token, renewal, 429 + Retry-After, and every failed read. */
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { useMswServer } from '../../helpers/msw.js';
import { BASE, CLIENT_SECRET, fakeClock, iscClient } from '../../helpers/isc-msw.js';

const server = useMswServer();

const TRACKING = '0c0300bf759e437ab377b93bb0deb375';
const iscErrorBody = (status: number, text: string) => ({
  detailCode: `${status} Error`,
  trackingId: TRACKING,
  messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }],
});

/** A token endpoint issuing tok-1, tok-2, … with lifetime `expiresIn` s; records each form body. */
function serveTokens(expiresIn = 720, wait = 0): URLSearchParams[] {
  const log: URLSearchParams[] = [];
  server.use(
    http.post(`${BASE}/oauth/token`, async ({ request }) => {
      log.push(new URLSearchParams(await request.text()));
      if (wait) await delay(wait);
      return HttpResponse.json({ access_token: `tok-${log.length}`, token_type: 'bearer', expires_in: expiresIn });
    }),
  );
  return log;
}

/** /v3/accounts answering `answer` (default: an empty page); records the Authorization headers. */
function serveAccounts(answer: (authorization: string | null, call: number) => Response | undefined = () => undefined): (string | null)[] {
  const seen: (string | null)[] = [];
  server.use(
    http.get(`${BASE}/v3/accounts`, ({ request }) => {
      const authorization = request.headers.get('authorization');
      seen.push(authorization);
      return answer(authorization, seen.length) ?? HttpResponse.json([]);
    }),
  );
  return seen;
}

const read = (client: ReturnType<typeof iscClient>) => client.http.getJson('/v3/accounts?filters=x&limit=250&offset=0');

describe('ISC token', () => {
  it('POSTs the form grant_type=client_credentials, client_id, client_secret to /oauth/token and sends Bearer', async () => {
    const tokens = serveTokens();
    const seen = serveAccounts();
    await read(iscClient());
    expect(tokens.map((form) => Object.fromEntries(form))).toEqual([
      { grant_type: 'client_credentials', client_id: 'watchdog-client', client_secret: CLIENT_SECRET },
    ]);
    expect(seen).toEqual(['Bearer tok-1']);
  });

  it('sends the headers the requests carried when they went through fetch: content type, accept, user agent', async () => {
    const heard: Record<string, string | null>[] = [];
    const of = (request: Request) => ({
      'content-type': request.headers.get('content-type'),
      accept: request.headers.get('accept'),
      'user-agent': request.headers.get('user-agent'),
    });
    server.use(
      http.post(`${BASE}/oauth/token`, ({ request }) => {
        heard.push(of(request));
        return HttpResponse.json({ access_token: 'tok-1', token_type: 'bearer', expires_in: 720 });
      }),
      http.get(`${BASE}/v3/accounts`, ({ request }) => (heard.push(of(request)), HttpResponse.json([]))),
    );
    await read(iscClient());
    expect(heard).toEqual([
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'node' },
      { 'content-type': null, accept: 'application/json', 'user-agent': 'node' },
    ]);
  });

  it('keeps the token for its lifetime and renews it before expires_in runs out', async () => {
    const tokens = serveTokens(600);
    const seen = serveAccounts();
    const client = iscClient();
    await read(client);
    client.time.clock.ms += 500_000; // 100 s left of 600: still used
    await read(client);
    client.time.clock.ms += 50_000; // 50 s left: inside the margin (60 s), renewed first
    await read(client);
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('renews once after a 401 (an expired token) and retries with the new token', async () => {
    const tokens = serveTokens();
    const seen = serveAccounts((authorization) =>
      authorization === 'Bearer tok-1' ? HttpResponse.json({ error: 'JWT validation failed: JWT is expired' }, { status: 401 }) : undefined,
    );
    await read(iscClient());
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('concurrent callers share one token request, and one renewal when all are refused with it', async () => {
    const tokens = serveTokens(720, 30);
    const seen = serveAccounts((authorization) =>
      authorization === 'Bearer tok-1' ? HttpResponse.json(iscErrorBody(401, 'expired'), { status: 401 }) : undefined,
    );
    const client = iscClient();
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.http.getJson(`/v3/accounts?filters=${i}&limit=250&offset=0`)));
    expect(tokens).toHaveLength(2);
    expect(seen.filter((a) => a === 'Bearer tok-2')).toHaveLength(12);
  });

  it('a refused token request fails at once, naming the variables and not the secret', async () => {
    let calls = 0;
    server.use(
      http.post(
        `${BASE}/oauth/token`,
        () => ((calls += 1), HttpResponse.json({ error: 'invalid_client', error_description: 'Bad credentials' }, { status: 401 })),
      ),
    );
    const error = await read(iscClient()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(/^ISC token request refused: HTTP 401; check ISC_CLIENT_ID\/ISC_CLIENT_SECRET/);
    expect((error as SourceReadError).detail).toBe('HTTP 401 (invalid_client: Bad credentials)');
    expect(calls).toBe(1);
    expect(`${String(error)}${JSON.stringify(error)}`).not.toContain(CLIENT_SECRET);
  });
});

describe('ISC rate limit', () => {
  it('a 429 holds every request back for Retry-After seconds, then the request goes through', async () => {
    serveTokens();
    const seen = serveAccounts((_a, call) =>
      call === 1 ? HttpResponse.json(iscErrorBody(429, 'Too Many Requests'), { status: 429, headers: { 'retry-after': '7' } }) : undefined,
    );
    const client = iscClient();
    const before = client.time.clock.ms;
    await read(client);
    expect(seen).toHaveLength(2);
    // The pacer waited the 7 s on the injected clock before the retry started.
    expect(client.time.clock.slept).toEqual([7000]);
    expect(client.time.clock.ms - before).toBe(7000);
  });

  it('never starts more than maxRequestsPer10Seconds in any rolling 10 s (token request included)', async () => {
    serveTokens();
    const starts: number[] = [];
    const time = fakeClock();
    serveAccounts(() => (starts.push(time.clock.ms), undefined));
    const client = iscClient({ maxRequestsPer10Seconds: 5 }, time);
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.http.getJson(`/v3/accounts?filters=${i}&limit=250&offset=0`)));
    expect(starts).toHaveLength(12);
    // With the token request, 13 starts: windows of 5 at 0, 10.25 s and 20.5 s.
    for (let i = 5; i < starts.length; i += 1) expect((starts[i] as number) - (starts[i - 4] as number)).toBeGreaterThanOrEqual(10_000);
    expect(client.http.requestCount).toBe(12);
  });
});

describe('ISC failed reads (exit 3, never "no accounts")', () => {
  it.each<[string, () => Response, RegExp]>([
    [
      '401 after one renewal',
      () => HttpResponse.json(iscErrorBody(401, 'Unauthorized'), { status: 401 }),
      /^ISC GET \/v3\/accounts refused the credentials: HTTP 401; check ISC_CLIENT_ID\/ISC_CLIENT_SECRET/,
    ],
    [
      '403',
      () => HttpResponse.json(iscErrorBody(403, 'Forbidden'), { status: 403 }),
      /refused access: HTTP 403; the PAT or API client needs idn:accounts:read and the user level ORG_ADMIN, SOURCE_ADMIN, SOURCE_SUBADMIN or HELPDESK/,
    ],
    [
      'an HTML page',
      () => new HttpResponse('<!DOCTYPE html><html>Sign in</html>', { headers: { 'content-type': 'text/html' } }),
      /answered an HTML page instead of JSON/,
    ],
    [
      'invalid JSON',
      () => new HttpResponse('[{"id": "a', { headers: { 'content-type': 'application/json' } }),
      /answered invalid or truncated JSON \(10 bytes\) \(after 3 attempts\)/,
    ],
    [
      'a 500 with an ISC error body',
      () => HttpResponse.json(iscErrorBody(500, 'An internal fault occurred.'), { status: 500 }),
      /^ISC GET \/v3\/accounts failed: HTTP 500 \(after 3 attempts\)$/,
    ],
    [
      'a redirect',
      () => new HttpResponse(null, { status: 302, headers: { location: 'https://login.example.test/sso?x=1' } }),
      /was redirected \(HTTP 302 to https:\/\/login\.example\.test\)/,
    ],
  ])('%s', async (_name, respond, message) => {
    serveTokens();
    serveAccounts(() => respond());
    const error = await read(iscClient()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(message);
  });

  it("the message is short and classified; ISC's text and trackingId ride in `detail` (logs, check), not in the message", async () => {
    serveTokens();
    serveAccounts(() => HttpResponse.json(iscErrorBody(500, 'Secret internal detail: db01 is down'), { status: 500 }));
    const error = (await read(iscClient()).catch((e: unknown) => e)) as SourceReadError;
    expect(error.message).not.toContain('db01');
    expect(error.message).not.toContain(TRACKING);
    expect(error.detail).toBe(`HTTP 500: Secret internal detail: db01 is down (detailCode 500 Error, trackingId ${TRACKING})`);
  });

  it('a timeout is a failed read after the retries', async () => {
    serveTokens();
    serveAccounts(() => undefined);
    server.use(http.get(`${BASE}/v3/accounts`, async () => (await delay('infinite'), HttpResponse.json([]))));
    const error = await read(iscClient({ timeoutSeconds: 0.2, retries: 1 })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no answer within 0\.2 s \(timeout\) \(after 2 attempts\)/);
  });
});
