import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { SourceReadError } from '../../../src/source/source-read-error.js';
import { createIiqHttp } from '../../../src/iiq/http.js';
import { createOAuthAuth } from '../../../src/iiq/oauth.js';
import { Secret } from '../../../src/secrets.js';
import { mswDispatcher, useMswServer } from '../../helpers/msw.js';

const BASE = 'https://iiq.test/identityiq';
const TOKEN = `${BASE}/oauth2/token`;
const RESOURCE = `${BASE}/scim/v2/Users`;
const SECRET = 'client-s3cret-value';
const server = useMswServer();

interface TokenLog {
  authorization: string | null;
  body: string;
}

/** A token endpoint issuing tok-1, tok-2, … (lifetime `expiresIn` s); records each request. */
function serveTokens(expiresIn = 3600, wait = 0): TokenLog[] {
  const log: TokenLog[] = [];
  server.use(
    http.post(TOKEN, async ({ request }) => {
      log.push({ authorization: request.headers.get('authorization'), body: await request.text() });
      if (wait) await delay(wait);
      return HttpResponse.json({ access_token: `tok-${log.length}`, token_type: 'bearer', expires_in: expiresIn });
    }),
  );
  return log;
}

/** A resource accepting only the bearer tokens `accept` says; records the Authorization headers seen. */
function serveResource(accept: (authorization: string | null) => boolean = () => true): (string | null)[] {
  const seen: (string | null)[] = [];
  server.use(
    http.get(RESOURCE, ({ request }) => {
      const authorization = request.headers.get('authorization');
      seen.push(authorization);
      return accept(authorization)
        ? HttpResponse.json({ totalResults: 0, Resources: [] })
        : HttpResponse.json(
            { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: 'Authentication failed', status: '401' },
            { status: 401 },
          );
    }),
  );
  return seen;
}

function client(clock = { ms: 1_000_000 }) {
  // As production: the token through the token cache, both through undici's dispatch.
  const dispatcher = mswDispatcher();
  const auth = createOAuthAuth({
    baseUrl: BASE,
    credentials: { kind: 'oauth', clientId: 'watchdog-client', clientSecret: new Secret(SECRET) },
    dispatcher,
    timeoutMs: 2000,
    nowMs: () => clock.ms,
  });
  return createIiqHttp({
    baseUrl: BASE,
    auth,
    dispatcher,
    concurrency: 8,
    timeoutMs: 2000,
    retries: 2,
    retryMinDelayMs: 0,
  });
}

describe('OAuth client credentials', () => {
  it('asks for a token with Basic client id:secret and grant_type=client_credentials, then sends Bearer', async () => {
    const tokens = serveTokens();
    const seen = serveResource();
    await client().getJson('/scim/v2/Users?x=1');
    expect(tokens).toEqual([
      { authorization: `Basic ${Buffer.from(`watchdog-client:${SECRET}`).toString('base64')}`, body: 'grant_type=client_credentials' },
    ]);
    expect(seen).toEqual(['Bearer tok-1']);
  });

  it('caches the token for its lifetime and renews it before expiry', async () => {
    const tokens = serveTokens(600);
    const seen = serveResource();
    const clock = { ms: 1_000_000 };
    const iiq = client(clock);
    await iiq.getJson('/scim/v2/Users?x=1');
    clock.ms += 500_000; // 100 s left: still used
    await iiq.getJson('/scim/v2/Users?x=2');
    clock.ms += 50_000; // 50 s left: inside the safety margin (60 s), renewed first
    await iiq.getJson('/scim/v2/Users?x=3');
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('renews once after a 401 and retries with the new token', async () => {
    const tokens = serveTokens();
    const seen = serveResource((authorization) => authorization === 'Bearer tok-2');
    await client().getJson('/scim/v2/Users?x=1');
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });

  it('gives up after one renewal when IIQ keeps refusing, naming what to check', async () => {
    const tokens = serveTokens();
    serveResource(() => false);
    const error = await client()
      .getJson('/scim/v2/Users?x=1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(/refused the credentials: HTTP 401; check IIQ_CLIENT_ID\/IIQ_CLIENT_SECRET/);
    expect(tokens).toHaveLength(2);
  });

  it('many concurrent callers share one token request, also when all are refused with the same token', async () => {
    const tokens = serveTokens(3600, 50);
    const seen = serveResource((authorization) => authorization !== 'Bearer tok-1');
    const iiq = client();
    await Promise.all(Array.from({ length: 20 }, (_, i) => iiq.getJson(`/scim/v2/Users?x=${i}`)));
    expect(tokens).toHaveLength(2); // tok-1 for all 20, one renewal after their 401s
    expect(seen.filter((a) => a === 'Bearer tok-2')).toHaveLength(20);
  });

  it('a refused token request fails at once with a clear message and no secret in it', async () => {
    let calls = 0;
    server.use(
      http.post(
        TOKEN,
        () => ((calls += 1), HttpResponse.json({ error: 'invalid_client', error_description: 'Bad client credentials' }, { status: 401 })),
      ),
    );
    const error = await client()
      .getJson('/scim/v2/Users?x=1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toBe(
      'IIQ OAuth token request refused: HTTP 401 (invalid_client: Bad client credentials); check IIQ_CLIENT_ID/IIQ_CLIENT_SECRET and that the IIQ API Authentication client may use the API',
    );
    expect(calls).toBe(1);
    expect(JSON.stringify(error) + String(error)).not.toContain(SECRET);
  });

  it('retries a token endpoint 503, and reports a missing endpoint (404) at once', async () => {
    let calls = 0;
    server.use(
      http.post(
        TOKEN,
        () => (
          (calls += 1),
          calls === 1 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json({ access_token: 'tok', expires_in: 60 })
        ),
      ),
    );
    serveResource();
    await client().getJson('/scim/v2/Users?x=1');
    expect(calls).toBe(2);

    server.resetHandlers();
    server.use(http.post(TOKEN, () => new HttpResponse('not here', { status: 404 })));
    await expect(client().getJson('/scim/v2/Users?x=1')).rejects.toThrow(
      /no OAuth token endpoint at https:\/\/iiq\.test\/identityiq\/oauth2\/token/,
    );
  });

  it('never puts the access token into an error message', async () => {
    server.use(http.post(TOKEN, () => HttpResponse.json({ access_token: 'very-secret-token', token_type: 'mac', expires_in: 60 })));
    const error = await client()
      .getJson('/scim/v2/Users?x=1')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/token_type "mac", not bearer/);
    expect((error as Error).message).not.toContain('very-secret-token');
  });
});
