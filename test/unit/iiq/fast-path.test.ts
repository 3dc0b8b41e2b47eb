/**
 * The hand-written fast twins of the hot answer schemas (an identity's links, a SCIM Accounts
 * page) never disagree with zod: whatever the body, the twin either leaves it to the schema
 * (undefined) or returns exactly what the schema returns. And they do take the answers a real
 * IIQ (the fake) sends, or they would save nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { fastPathOf } from '../../../src/iiq/parse.js';
import { restIdentityPage, restLinks } from '../../../src/iiq/rest/schema.js';
import { SAILPOINT_USER_EXTENSION, scimAccountPage, scimUserPage } from '../../../src/iiq/scim/schema.js';

/** Values near the edges of what the schemas accept: right and wrong types, empty, null, absent. */
const edgy = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom('', 'x', 'Active Directory', '0', '__proto__'),
  fc.string(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, -1, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300),
  fc.constant([]),
  fc.constant({}),
);

const link = fc.record(
  { application: fc.oneof(fc.constantFrom('SAP', 'GitHub'), edgy), disabled: fc.oneof(fc.boolean(), edgy), id: edgy },
  { requiredKeys: [] },
);
const linksBody = fc.oneof(
  fc.array(fc.oneof(link, edgy), { maxLength: 4 }),
  fc.record({ count: edgy, objects: fc.oneof(fc.array(fc.oneof(link, edgy), { maxLength: 4 }), edgy) }, { requiredKeys: [] }),
  edgy,
);

const scimId = fc.oneof(fc.constantFrom('2c9180', 'a'), fc.integer(), edgy);
const account = fc.record(
  {
    id: scimId,
    identity: fc.oneof(fc.record({ value: scimId, userName: edgy }, { requiredKeys: [] }), edgy),
    application: fc.oneof(
      fc.record({ displayName: fc.oneof(fc.constant('SAP'), edgy), value: fc.oneof(fc.constant('0a1b'), edgy) }, { requiredKeys: [] }),
      edgy,
    ),
    active: fc.oneof(fc.boolean(), edgy),
    inactive: fc.oneof(fc.boolean(), edgy),
    meta: edgy,
  },
  { requiredKeys: [] },
);
const accountPage = fc.oneof(
  fc.record(
    {
      schemas: edgy,
      totalResults: fc.oneof(fc.nat(), edgy),
      startIndex: fc.oneof(fc.nat(), edgy),
      Resources: fc.oneof(fc.array(fc.oneof(account, edgy), { maxLength: 4 }), edgy),
    },
    { requiredKeys: [] },
  ),
  edgy,
);

/** Custom attributes: dates and tiers, odd keys included (`__proto__` from JSON is an own key). */
const attributes = fc.oneof(
  fc.dictionary(
    fc.constantFrom('hrTerminationDate', 'risk_tier', 'lastRefresh', '__proto__', 'constructor', '0'),
    fc.oneof(fc.constantFrom('2026-11-24T02:00:00Z', '2026-11-24', 'garbage', 1_700_000_000_000), edgy),
  ),
  fc.constant(JSON.parse('{"__proto__": {"x": 1}, "risk_tier": "standard"}') as unknown),
  edgy,
);
const restIdentityBody = fc.record(
  {
    id: scimId,
    name: fc.oneof(fc.constantFrom('jdoe', 'a'), edgy),
    displayName: fc.oneof(fc.constant('Jane Doe'), edgy),
    inactive: fc.oneof(fc.boolean(), edgy),
    attributes,
  },
  { requiredKeys: [] },
);
const restIdentityPageBody = fc.oneof(
  fc.record(
    { count: fc.oneof(fc.nat(), edgy), objects: fc.oneof(fc.array(fc.oneof(restIdentityBody, edgy), { maxLength: 3 }), edgy) },
    { requiredKeys: [] },
  ),
  edgy,
);
const scimUserBody = fc.record(
  {
    id: scimId,
    userName: fc.oneof(fc.constantFrom('jdoe', 'a'), edgy),
    displayName: fc.oneof(fc.constant('Jane Doe'), edgy),
    active: fc.oneof(fc.boolean(), edgy),
    [SAILPOINT_USER_EXTENSION]: attributes,
  },
  { requiredKeys: [] },
);
const scimUserPageBody = fc.oneof(
  fc.record(
    {
      totalResults: fc.oneof(fc.nat(), edgy),
      startIndex: fc.oneof(fc.nat(), edgy),
      Resources: fc.oneof(fc.array(fc.oneof(scimUserBody, edgy), { maxLength: 3 }), edgy),
    },
    { requiredKeys: [] },
  ),
  edgy,
);

/** True when the twin took the body (so that a property that never reaches the twin fails). */
function agrees(schema: z.ZodType, body: unknown): boolean {
  const fast = fastPathOf(schema)?.(body);
  if (fast === undefined) return false;
  const parsed = schema.safeParse(body);
  expect(parsed.success).toBe(true);
  expect(fast).toEqual(parsed.data);
  return true;
}

/** Runs the property and counts the bodies the twin took: enough must reach it (80 to 550 of 3000 in practice). */
function holds(schema: z.ZodType, bodies: fc.Arbitrary<unknown>): void {
  let taken = 0;
  fc.assert(
    fc.property(bodies, (body) => {
      if (agrees(schema, body)) taken += 1;
    }),
    { numRuns: 3000 },
  );
  expect(taken).toBeGreaterThan(20);
}

describe('fast twins of the answer schemas', () => {
  it('links: the twin returns what zod returns, or leaves the body to zod', () => {
    holds(restLinks, linksBody);
  });

  it('SCIM Accounts page: the twin returns what zod returns, or leaves the body to zod', () => {
    holds(scimAccountPage, accountPage);
  });

  it('REST identity page: the twin returns what zod returns, or leaves the body to zod', () => {
    holds(restIdentityPage, restIdentityPageBody);
  });

  it('SCIM Users page: the twin returns what zod returns, or leaves the body to zod', () => {
    holds(scimUserPage, scimUserPageBody);
  });

  it('reads a lastRefresh past the Date range as no refresh, on both paths (it threw a RangeError once)', () => {
    const body = { totalResults: 1, Resources: [{ id: 0, userName: 'jdoe', [SAILPOINT_USER_EXTENSION]: { lastRefresh: 1e300 } }] };
    expect(fastPathOf(scimUserPage)?.(body)?.Resources[0]?.lastRefresh).toBeNull();
    expect(scimUserPage.parse(body).Resources[0]?.lastRefresh).toBeNull();
  });

  it('takes the answers IIQ sends (REST links, a SCIM Accounts page with attributes=)', () => {
    const links = [
      { id: 'l1', application: 'SAP', nativeIdentity: 'jdoe', displayName: 'jdoe', disabled: true, locked: false },
      { id: 'l2', application: 'GitHub', nativeIdentity: 'jdoe', displayName: 'jdoe' },
    ];
    expect(fastPathOf(restLinks)?.({ count: 2, objects: links })).toEqual([
      { application: 'SAP', status: 'disabled' },
      { application: 'GitHub', status: 'unknown' },
    ]);
    const page = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 2,
      startIndex: 1,
      Resources: [
        {
          schemas: ['urn:ietf:params:scim:schemas:sailpoint:1.0:Account'],
          id: 'a1',
          identity: { value: 'i1', userName: 'jdoe', displayName: 'Jane Doe' },
          application: { value: '0a1b', displayName: 'SAP' },
          active: false,
        },
        { id: 7, application: { value: '0a1b' }, active: true },
      ],
    };
    const fast = fastPathOf(scimAccountPage)?.(page);
    expect(fast).toEqual({
      totalResults: 2,
      startIndex: 1,
      Resources: [
        { id: 'a1', identityId: 'i1', application: 'SAP', status: 'disabled' },
        { id: '7', identityId: undefined, application: '0a1b', status: 'enabled' },
      ],
    });
    expect(fast).toEqual(scimAccountPage.parse(page));
  });
});
