/**
 * Property: whatever IIQ answers (random JSON, non-JSON, mutated valid pages), a cycle ends
 * with exit 0 or 3, never throws, and never resolves an incident from an answer it could not parse.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { pino } from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createBasicAuth } from '../src/iiq/auth.js';
import { createIiqHttp } from '../src/iiq/http.js';
import { createRestSource } from '../src/iiq/rest/rest-source.js';
import { restIdentityPage, restLinks } from '../src/iiq/rest/schema.js';
import type { PagerDutyEvent } from '../src/pagerduty/events.js';
import { runCycle } from '../src/run.js';
import { Secret } from '../src/secrets.js';

const BASE = 'https://iiq.property.test/identityiq';
const NOW = new Date('2026-11-24T12:00:00.000Z');
const JANE_KEY = 'iiq-leaver-sla-id-jdoe';

type Answer = { kind: 'json'; value: unknown } | { kind: 'text'; text: string };
let listingAnswer: Answer;
let linksAnswer: Answer;
const respond = (answer: Answer) =>
  answer.kind === 'json' ? HttpResponse.json(answer.value as never) : new HttpResponse(answer.text, { headers: { 'content-type': 'text/plain' } });

const server = setupServer(
  http.get(`${BASE}/rest/identities`, () => respond(listingAnswer)),
  http.get(`${BASE}/rest/identities/:name/links`, () => respond(linksAnswer)),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const validIdentity = { id: 'id-jdoe', name: 'jdoe', displayName: 'Jane Doe', inactive: true, attributes: { hrTerminationDate: '2026-11-24T06:00:00Z', risk_tier: 'privileged' } };
const validPage = { count: 1, objects: [validIdentity] };
const validLinks = { count: 1, objects: [{ id: 'l1', application: 'Active Directory', nativeIdentity: 'CN=x', displayName: 'x', disabled: false }] };

/** A valid answer with one random path replaced by a random value, or deleted. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = leafPaths(valid);
  return fc.tuple(fc.constantFrom(...paths), fc.option(fc.jsonValue(), { nil: undefined })).map(([path, value]) => {
    const copy = structuredClone(valid) as Record<string, unknown>;
    let target: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    if (value === undefined) delete target[last];
    else target[last] = value;
    return copy;
  });
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...prefix, key]))].filter((p) => p.length > 0);
}

const answer = (valid: unknown): fc.Arbitrary<Answer> =>
  fc.oneof(
    fc.jsonValue().map((value): Answer => ({ kind: 'json', value })),
    fc.string().map((text): Answer => ({ kind: 'text', text })),
    fc.constant<Answer>({ kind: 'text', text: '<html><body>IdentityIQ login</body></html>' }),
    mutated(valid).map((value): Answer => ({ kind: 'json', value })),
    fc.constant<Answer>({ kind: 'json', value: valid }),
  );

const parses = (schema: { safeParse(v: unknown): { success: boolean } }, a: Answer) => a.kind === 'json' && schema.safeParse(a.value).success;

it('garbage from IIQ never crashes a cycle nor resolves an incident', async () => {
  await fc.assert(
    fc.asyncProperty(answer(validPage), answer(validLinks), async (listing, links) => {
      listingAnswer = listing;
      linksAnswer = links;
      const dir = mkdtempSync(join(tmpdir(), 'watchdog-prop-'));
      const config = parseConfig(
        {
          iiq: { baseUrl: BASE, pageSize: 2 },
          leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier' },
          slaHours: { privileged: 4, standard: 8 },
        },
        { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p', PAGERDUTY_ROUTING_KEY: 'k'.repeat(32) },
        dir,
        { routingKey: true },
      );
      writeFileSync(
        config.state.path,
        JSON.stringify({
          version: 1,
          firstSeenInactive: {},
          incidents: {
            [JANE_KEY]: {
              dedupKey: JANE_KEY, identityId: 'id-jdoe', identityName: 'jdoe', displayName: 'Jane Doe', tier: 'privileged', slaHours: 4,
              severity: 'warning', activeApplications: ['Active Directory'], activeAccountCount: 1, terminationDate: '2026-11-24T06:00:00.000Z',
              terminationSource: 'attribute', slaDeadline: '2026-11-24T10:00:00.000Z', firstSentAt: '2026-11-24T11:00:00.000Z', lastSentAt: '2026-11-24T11:45:00.000Z',
            },
          },
        }),
      );
      const sent: PagerDutyEvent[] = [];
      const httpClient = createIiqHttp({
        baseUrl: BASE,
        auth: createBasicAuth({ kind: 'basic', username: 'u', password: new Secret('p') }),
        dispatcher: new Agent(),
        concurrency: 2,
        timeoutMs: 2000,
        retries: 0,
        retryMinDelayMs: 0,
      });
      const outcome = await runCycle({
        config,
        source: createRestSource(httpClient, 2),
        sender: { send: async (event) => (sent.push(event), { ok: true, attempts: 1 }) },
        now: NOW,
        logger: pino({ level: 'silent' }),
        writeStdout: () => undefined,
        writeStderr: () => undefined,
        iiqRequestCount: () => httpClient.requestCount,
        pingHeartbeat: async () => undefined,
      });
      expect([0, 3]).toContain(outcome.exitCode);
      const resolved = sent.some((e) => e.event_action === 'resolve' && e.dedup_key === JANE_KEY);
      if (resolved) {
        expect(parses(restIdentityPage, listing)).toBe(true);
        const page = restIdentityPage.parse((listing as { value: unknown }).value);
        const janeListedInactive = page.objects.some((o) => o.id === 'id-jdoe' && o.inactive);
        if (janeListedInactive) expect(parses(restLinks, links)).toBe(true);
      }
      if (!parses(restIdentityPage, listing)) expect(outcome.exitCode).toBe(3);
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
  );
});
