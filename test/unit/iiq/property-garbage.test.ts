/**
 * Property: whatever IIQ answers (random JSON, non-JSON, mutated valid pages), a cycle ends
 * with exit 0 or 3, never throws, and never resolves an incident from an answer it could not parse.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/config.js';
import { createRestSource, isRestNotFound } from '../../../src/iiq/rest/rest-source.js';
import type { IiqHttp } from '../../../src/iiq/http.js';
import type { Identity } from '../../../src/source/identity-source.js';
import { restIdentity, restIdentityPage, restLinks } from '../../../src/iiq/rest/schema.js';
import { SAILPOINT_USER_EXTENSION, isScimNotFound, scimAccountPage, scimUser, scimUserPage } from '../../../src/iiq/scim/schema.js';
import { createScimSource } from '../../../src/iiq/scim/scim-source.js';
import type { PagerDutyEvent } from '../../../src/pagerduty/events.js';
import { runCycle } from '../../../src/cycle/run-cycle.js';
import { testIiqClient } from '../../helpers/iiq-client.js';
import { useMswServer } from '../../helpers/msw.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { NOW } from '../../helpers/clock.js';

const BASE = 'https://iiq.property.test/identityiq';
const JANE_KEY = 'iiq-leaver-sla-id-jdoe';

type Answer = { kind: 'json'; value: unknown; status?: number } | { kind: 'text'; text: string; status?: number; type?: string };
let listingAnswer: Answer;
let linksAnswer: Answer;
/** The answer to a lookup of Jane on her own, and to the SCIM Account schema. */
let lookupAnswer: Answer;
let schemaAnswer: Answer;
const respond = (answer: Answer) =>
  answer.kind === 'json'
    ? HttpResponse.json(answer.value as never, { status: answer.status ?? 200 })
    : new HttpResponse(answer.text, { status: answer.status ?? 200, headers: { 'content-type': answer.type ?? 'text/plain' } });

useMswServer(
  http.get(`${BASE}/rest/identities`, () => respond(listingAnswer)),
  http.get(`${BASE}/rest/identities/:name/links`, () => respond(linksAnswer)),
  http.get(`${BASE}/rest/identities/:name`, () => respond(lookupAnswer)),
  http.get(`${BASE}/scim/v2/Users`, () => respond(listingAnswer)),
  http.get(`${BASE}/scim/v2/Users/:id`, () => respond(lookupAnswer)),
  http.get(`${BASE}/scim/v2/Accounts`, () => respond(linksAnswer)),
  http.get(`${BASE}/scim/v2/Schemas/:id`, () => respond(schemaAnswer)),
);

const validIdentity = {
  id: 'id-jdoe',
  name: 'jdoe',
  displayName: 'Jane Doe',
  inactive: true,
  attributes: { hrTerminationDate: '2026-11-24T06:00:00Z', risk_tier: 'privileged' },
};
const validPage = { count: 1, objects: [validIdentity] };
const validLinks = {
  count: 1,
  objects: [{ id: 'l1', application: 'Active Directory', nativeIdentity: 'CN=x', displayName: 'x', disabled: false }],
};
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const validUsers = {
  schemas: [LIST],
  totalResults: 1,
  startIndex: 1,
  Resources: [
    { id: 'id-jdoe', userName: 'jdoe', displayName: 'Jane Doe', active: false, [SAILPOINT_USER_EXTENSION]: validIdentity.attributes },
  ],
};
const validAccounts = {
  schemas: [LIST],
  totalResults: 1,
  startIndex: 1,
  Resources: [{ id: 'a1', identity: { value: 'id-jdoe' }, application: { value: 'app1', displayName: 'Active Directory' }, active: true }],
};

const validSchema = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  attributes: [{ name: 'identity' }, { name: 'application' }, { name: 'active' }],
};
const scimError404 = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: 'not found', status: '404' };

/** What differs between the adapters: valid answers, the schemas that judge them, the source. */
const adapters = {
  rest: {
    listing: validPage,
    links: validLinks,
    lookup: { ...validIdentity, inactive: false },
    iiqNotFound: { message: 'Identity jdoe not found' },
    listingSchema: restIdentityPage,
    linksSchema: restLinks,
    lookupSchema: restIdentity,
    isIiqNotFound: isRestNotFound,
    source: (client: IiqHttp) => createRestSource(client, 2),
  },
  scim: {
    listing: validUsers,
    links: validAccounts,
    lookup: { ...validUsers.Resources[0], active: true },
    iiqNotFound: scimError404,
    listingSchema: scimUserPage,
    linksSchema: scimAccountPage,
    lookupSchema: scimUser,
    isIiqNotFound: isScimNotFound,
    source: (client: IiqHttp) => createScimSource(client, { pageSize: 2, accountsBulk: false }),
  },
} as const;

/** A lookup answer: garbage as above, or a 404 from IIQ or from something in front of it. */
const lookupAnswers = (valid: unknown, iiqNotFound: unknown): fc.Arbitrary<Answer> =>
  fc.oneof(
    answer(valid),
    fc.constant<Answer>({ kind: 'json', status: 404, value: iiqNotFound }),
    fc.constant<Answer>({ kind: 'text', status: 404, text: '<html><h1>404 Not Found</h1></html>', type: 'text/html' }),
    fc.constant<Answer>({ kind: 'text', status: 404, text: '' }),
    fc.jsonValue().map((value): Answer => ({ kind: 'json', status: 404, value })),
  );

/** A valid answer with one random path replaced by a random value, or deleted. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = leafPaths(valid);
  return fc.tuple(fc.constantFrom(...paths), fc.option(fc.jsonValue(), { nil: undefined })).map(([path, value]) => {
    const copy = structuredClone(valid) as Record<string, unknown>;
    let target: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    if (value === undefined) Reflect.deleteProperty(target, last);
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

const parses = (schema: { safeParse(v: unknown): { success: boolean } }, a: Answer) =>
  a.kind === 'json' && schema.safeParse(a.value).success;

it.each(['rest', 'scim'] as const)('%s: garbage from IIQ never crashes a cycle nor resolves an incident', async (api) => {
  const adapter = adapters[api];
  await fc.assert(
    fc.asyncProperty(
      answer(adapter.listing),
      answer(adapter.links),
      lookupAnswers(adapter.lookup, adapter.iiqNotFound),
      answer(validSchema),
      async (listing, links, lookup, schema) => {
        listingAnswer = listing;
        linksAnswer = links;
        lookupAnswer = lookup;
        schemaAnswer = schema;
        const dir = makeTempDir('watchdog-prop-');
        const config = parseConfig(
          {
            iiq: { baseUrl: BASE, api, pageSize: 2 },
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
                dedupKey: JANE_KEY,
                identityId: 'id-jdoe',
                identityName: 'jdoe',
                displayName: 'Jane Doe',
                tier: 'privileged',
                slaHours: 4,
                severity: 'warning',
                activeApplications: ['Active Directory'],
                activeAccountCount: 1,
                terminationDate: '2026-11-24T06:00:00.000Z',
                terminationSource: 'attribute',
                slaDeadline: '2026-11-24T10:00:00.000Z',
                firstSentAt: '2026-11-24T11:00:00.000Z',
                lastSentAt: '2026-11-24T11:45:00.000Z',
              },
            },
          }),
        );
        const sent: PagerDutyEvent[] = [];
        const httpClient = testIiqClient(BASE, { concurrency: 2, retries: 0 });
        const outcome = await runCycle({
          config,
          source: adapter.source(httpClient),
          mode: {
            kind: 'deliver',
            sender: {
              send: (event) => {
                sent.push(event);
                return Promise.resolve({ ok: true, attempts: 1 });
              },
            },
          },
          now: NOW,
          logger: pino({ level: 'silent' }),
          writeStdout: () => undefined,
          writeStderr: () => undefined,
          sourceRequestCount: () => httpClient.requestCount,
          pingHeartbeat: () => Promise.resolve(),
        });
        expect([0, 3]).toContain(outcome.exitCode);
        const resolved = sent.some((e) => e.event_action === 'resolve' && e.dedup_key === JANE_KEY);
        if (resolved) {
          // A resolve needs a listing that parsed; if Jane was listed inactive, an accounts answer that parsed too.
          expect(parses(adapter.listingSchema, listing)).toBe(true);
          const page = adapter.listingSchema.parse((listing as { value: unknown }).value) as {
            objects?: Identity[];
            Resources?: Identity[];
          };
          const listed = (page.objects ?? page.Resources ?? []).find((identity) => identity.id === 'id-jdoe');
          if (listed?.inactive) expect(parses(adapter.linksSchema, links)).toBe(true);
          if (!listed) {
            // Not listed: resolved only on a lookup that IIQ itself answered: its 404, or Jane
            // herself (active again, or inactive with accounts that parsed).
            const iiqSaidGone = lookup.status === 404 && lookup.kind === 'json' && adapter.isIiqNotFound(lookup.value);
            const found = (lookup.status ?? 200) === 200 && parses(adapter.lookupSchema, lookup);
            expect(iiqSaidGone || found).toBe(true);
            if (found && adapter.lookupSchema.parse((lookup as { value: unknown }).value).inactive)
              expect(parses(adapter.linksSchema, links)).toBe(true);
          }
        }
        if (!parses(adapter.listingSchema, listing)) expect(outcome.exitCode).toBe(3);
      },
    ),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
  );
});
