/**
 * The SCIM Account schema of the fake IdentityIQ (GET /scim/v2/Schemas/<Account urn>), and the
 * check that refuses `attributes=` naming anything it does not declare.
 */

/** IIQ's SCIM Account schema id. */
export const ACCOUNT_SCHEMA_URN = 'urn:ietf:params:scim:schemas:sailpoint:1.0:Account';
/** What IIQ 8.x's SCIM Account schema declares (no `inactive`). */
export const IIQ8_ACCOUNT_ATTRIBUTES: readonly string[] = [
  'identity',
  'application',
  'nativeIdentity',
  'displayName',
  'instance',
  'uuid',
  'active',
  'locked',
  'manuallyCorrelated',
  'hasEntitlements',
  'lastRefresh',
  'lastTargetAggregation',
];
/** Attributes every SCIM resource has (RFC 7643 section 3.1), whatever its schema declares. */
const COMMON_ATTRIBUTES = new Set(['id', 'externalid', 'meta', 'schemas']);
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const BOOLEANS = new Set(['active', 'inactive', 'locked', 'manuallyCorrelated', 'hasEntitlements']);
const DATES = new Set(['lastRefresh', 'lastTargetAggregation']);

/** The SCIM Schema resource (RFC 7643 section 7) declaring `names`; `location` is its URL. */
export function accountSchemaResource(names: readonly string[], location: string): Record<string, unknown> {
  const simple = (name: string, type = 'string') => ({
    name,
    type,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readOnly',
    returned: 'default',
    uniqueness: 'none',
  });
  const reference = (name: string) => ({
    ...simple(name, 'complex'),
    subAttributes: [
      simple('value'),
      simple('displayName'),
      simple('$ref', 'reference'),
      ...(name === 'identity' ? [simple('userName')] : []),
    ],
  });
  const attributes = names.map((name) =>
    name === 'identity' || name === 'application'
      ? reference(name)
      : BOOLEANS.has(name)
        ? simple(name, 'boolean')
        : DATES.has(name)
          ? simple(name, 'dateTime')
          : simple(name),
  );
  return {
    schemas: [SCHEMA_SCHEMA],
    id: ACCOUNT_SCHEMA_URN,
    name: 'Account',
    description: 'Account Schema',
    attributes,
    meta: { resourceType: 'Schema', location },
  };
}

/** The first name in an `attributes=` value that `declared` (lower case) lacks; `a.b` and `urn:...:Account:a` count as `a`. */
export function firstUndeclaredAttribute(attributes: string | null, declared: ReadonlySet<string>): string | undefined {
  for (const want of (attributes ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)) {
    const unprefixed = want.toLowerCase().startsWith(`${ACCOUNT_SCHEMA_URN.toLowerCase()}:`)
      ? want.slice(ACCOUNT_SCHEMA_URN.length + 1)
      : want;
    const top = (unprefixed.split('.')[0] ?? '').toLowerCase();
    if (!COMMON_ATTRIBUTES.has(top) && !declared.has(top)) return want;
  }
  return undefined;
}
