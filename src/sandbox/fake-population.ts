/**
 * Deterministic test populations for the fake IdentityIQ (demo, end-to-end tests, benchmark).
 */
import type { FakeIdentity, FakeLink } from './fake-iiq.js';

const APPLICATIONS = [
  'Active Directory',
  'Salesforce',
  'SAP ERP',
  'Workday',
  'GitHub',
  'Okta',
  'ServiceNow',
  'Slack',
  'Jira',
  'Confluence',
  'Oracle EBS',
  'AWS IAM',
  'Google Workspace',
  'Zoom',
  'Box',
];
const FIRST = ['Jane', 'John', 'Aisha', 'Wei', 'Carlos', 'Priya', 'Olga', 'Liam', 'Fatima', 'Kenji', 'Sofia', 'Mateo'];
// Apostrophes and accents on purpose: identity names end up in URL paths.
const LAST = ['Doe', 'Smith', "O'Brien", 'Nguyen', 'García', 'Müller', 'Kowalski', 'Haddad', 'Tanaka', 'Okafor', 'Johansson', 'Silva'];

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * A deterministic population of inactive identities: floor(count × breachingFraction) of them,
 * spread evenly, were terminated 10 h before `now` and keep 1–3 enabled links (fewer if
 * accountsPerIdentity is smaller); the rest were terminated 30 days before `now` with every
 * link disabled. About 20 % are 'privileged'. Same options (and seed, default 1) → same output.
 */
export function generatePopulation(o: {
  count: number;
  accountsPerIdentity: number;
  breachingFraction: number;
  now: Date;
  seed?: number;
}): FakeIdentity[] {
  let s = (o.seed ?? 1) >>> 0;
  const rand = (): number => {
    // mulberry32: tiny, seedable, good enough for test data
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const word = (): string => {
    // byte table: toString(16) on 240k × 4 doubles dominated generation time
    const x = (rand() * 2 ** 32) | 0;
    return (HEX[x & 255] as string) + (HEX[(x >>> 8) & 255] as string) + (HEX[(x >>> 16) & 255] as string) + (HEX[x >>> 24] as string);
  };
  const hex32 = (): string => word() + word() + word() + word();
  const breachedAt = new Date(o.now.getTime() - 10 * 3_600_000).toISOString();
  const longAgo = new Date(o.now.getTime() - 30 * 86_400_000).toISOString();
  const apps = APPLICATIONS.slice();
  const out: FakeIdentity[] = [];
  for (let i = 0; i < o.count; i++) {
    // Evenly spread, and exactly floor(count × fraction) in total (the floors telescope).
    const breaching = Math.floor((i + 1) * o.breachingFraction) > Math.floor(i * o.breachingFraction);
    const first = FIRST[Math.floor(rand() * FIRST.length)] as string;
    const last = LAST[Math.floor(rand() * LAST.length)] as string;
    const name = `${first}.${last}${String(i).padStart(5, '0')}`.toLowerCase();
    const displayName = `${first} ${last}`;
    const tier = rand() < 0.2 ? 'privileged' : 'standard';
    for (let j = apps.length - 1; j > 0; j--) {
      // Fisher–Yates: each identity gets distinct applications
      const k = Math.floor(rand() * (j + 1));
      [apps[j], apps[k]] = [apps[k] as string, apps[j] as string];
    }
    const enabled = breaching ? Math.min(o.accountsPerIdentity, 1 + Math.floor(rand() * 3)) : 0;
    const links: FakeLink[] = [];
    for (let j = 0; j < o.accountsPerIdentity; j++) {
      const application = apps[j % apps.length] as string; // more accounts than applications: repeats
      const nativeIdentity = application === 'Active Directory' ? `CN=${displayName},OU=Staff,DC=corp,DC=example` : `${name}@example.com`;
      links.push({ id: hex32(), application, nativeIdentity, displayName: name, disabled: j >= enabled, locked: false });
    }
    out.push({
      id: hex32(),
      name,
      displayName,
      inactive: true,
      attributes: { hrTerminationDate: breaching ? breachedAt : longAgo, risk_tier: tier },
      links,
    });
  }
  return out;
}
