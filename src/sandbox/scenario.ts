/**
 * A small, readable Leaver scenario on the fakes, shared by `sandbox`, `npm run demo` and the
 * end-to-end tests: who is terminated when, and which accounts are still enabled.
 */
import type { SlaPolicy } from '../sla/policy.js';
import type { FakeIdentity, FakeLink, FakeTaskResult } from './fake-iiq.js';

const HOUR_MS = 3_600_000;

/** Demo credentials: test values, not secrets of any real system. */
export const DEMO_ENV = {
  IIQ_USERNAME: 'watchdog',
  IIQ_PASSWORD: 'demo-password',
  PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEYDEM0000000000000000000',
} as const;

/** Dedup keys of the two demo leavers who breach: Jane Doe (privileged) and John Smith (standard). */
export const JANE_DEDUP_KEY = 'iiq-leaver-sla-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const JOHN_DEDUP_KEY = 'iiq-leaver-sla-1b2c3d4e5f60718293a4b5c6d7e8f90a';
/** Dedup key of the story's not-started leaver: Nora Pending, terminated but still active in the source. */
export const NORA_DEDUP_KEY = 'iiq-leaver-sla-5f60718293a4b5c6d7e8f90a1b2c3d4e';

function link(application: string, owner: string, disabled: boolean): FakeLink {
  return {
    id: `${owner}-${application}`.replace(/\W+/g, '-').toLowerCase(),
    application,
    nativeIdentity: `CN=${owner},OU=Staff,DC=corp,DC=example`,
    displayName: owner,
    disabled,
  };
}

function identity(
  id: string,
  name: string,
  displayName: string,
  attributes: Record<string, unknown>,
  links: FakeLink[],
  inactive = true,
): FakeIdentity {
  return { id, name, displayName, inactive, attributes, links };
}

/**
 * Five leavers at `now`: Jane (privileged, 5 h: warning), John (standard, 20 h: error),
 * Chris (contractor, 2 h: not yet due), Olga (30 days, all disabled), Hank (only an excluded
 * application left enabled).
 */
export function demoIdentities(now: Date): FakeIdentity[] {
  const ago = (hours: number): string => new Date(now.getTime() - hours * HOUR_MS).toISOString();
  return [
    identity('0a1b2c3d4e5f60718293a4b5c6d7e8f9', 'jdoe', 'Jane Doe', { hrTerminationDate: ago(5.2), risk_tier: 'privileged' }, [
      link('Active Directory', 'Jane Doe', false),
      link('Salesforce', 'Jane Doe', false),
      link('GitHub', 'Jane Doe', true),
    ]),
    identity('1b2c3d4e5f60718293a4b5c6d7e8f90a', 'jsmith', 'John Smith', { hrTerminationDate: ago(20), risk_tier: 'standard' }, [
      link('Active Directory', 'John Smith', false),
      link('SAP ERP', 'John Smith', true),
    ]),
    identity(
      '2c3d4e5f60718293a4b5c6d7e8f90a1b',
      'ccontractor',
      'Chris Contractor',
      { hrTerminationDate: ago(2), risk_tier: 'contractor' },
      [link('Active Directory', 'Chris Contractor', false)],
    ),
    identity('3d4e5f60718293a4b5c6d7e8f90a1b2c', 'oold', 'Olga Old', { hrTerminationDate: ago(24 * 30), risk_tier: 'standard' }, [
      link('Active Directory', 'Olga Old', true),
      link('Workday', 'Olga Old', true),
    ]),
    identity('4e5f60718293a4b5c6d7e8f90a1b2c3d', 'harchive', 'Hank Archive', { hrTerminationDate: ago(48), risk_tier: 'standard' }, [
      link('HR Archive', 'Hank Archive', false),
    ]),
  ];
}

/** The IIQ task the demo's Leaver chain depends on. */
export const DEMO_CHAIN_TASK = 'Refresh Identity Cube';

/** An IIQ instant with the -05:00 offset IIQ 8.x writes (local time of the server). */
function iiqInstant(ms: number): string {
  return new Date(ms - 5 * HOUR_MS).toISOString().replace('Z', '-05:00');
}

/**
 * The refresh's results at `now`: yesterday's run succeeded, the last one (3 h ago) ended Error,
 * as when the Identity Processing Threshold stops a refresh during a mass termination.
 */
export function demoTaskResults(now: Date): FakeTaskResult[] {
  const ago = (hours: number): string => iiqInstant(now.getTime() - hours * HOUR_MS);
  return [
    { id: '5f60718293a4b5c6d7e8f90a1b2c3d4e', name: DEMO_CHAIN_TASK, launched: ago(27.7), completed: ago(27), completionStatus: 'Success' },
    {
      id: '60718293a4b5c6d7e8f90a1b2c3d4e5f',
      name: `${DEMO_CHAIN_TASK} - 1`,
      launched: ago(3.7),
      completed: ago(3),
      completionStatus: 'Error',
      messages: [{ type: 'Error', localizedMessage: 'Identity Processing Threshold exceeded: 40% of identities would change' }],
    },
  ];
}

/** A successful run of the refresh completing at `now` (someone re-ran it with "Process events"). */
export function demoRefreshRerun(now: Date): FakeTaskResult {
  return {
    id: `rerun-${now.getTime().toString(16)}`,
    name: `${DEMO_CHAIN_TASK} - 2`,
    launched: iiqInstant(now.getTime() - 0.5 * HOUR_MS),
    completed: iiqInstant(now.getTime()),
    completionStatus: 'Success',
  };
}

/**
 * The story's not-started leaver at `now`: Nora (standard, terminated 10 h ago: warning) whom
 * the source still shows active, with one enabled account. The identity refresh never saw her
 * termination, so no Leaver ran; the watchdog lists her all the same. Kept apart from
 * demoIdentities, whose five leavers many tests count on.
 */
export function demoNotStartedLeaver(now: Date): FakeIdentity {
  const terminated = new Date(now.getTime() - 10 * HOUR_MS).toISOString();
  return identity(
    '5f60718293a4b5c6d7e8f90a1b2c3d4e',
    'npending',
    'Nora Pending',
    { hrTerminationDate: terminated, risk_tier: 'standard' },
    [link('Active Directory', 'Nora Pending', false)],
    false,
  );
}

/**
 * The rules the built-in story is told under (the demo's and the sandbox's config say the same):
 * privileged 4 h, standard 8 h, contractor 6 h, HR Archive excluded. The narration uses them.
 */
export const STORY_POLICY: SlaPolicy = {
  slaHours: { privileged: 4, standard: 8, contractor: 6 },
  defaultTier: 'standard',
  tierAttribute: 'risk_tier',
  terminationDateAttribute: 'hrTerminationDate',
  timeZone: 'UTC',
  excludedApplications: new Set(['HR Archive']),
  renotifyMinutes: 240,
};

/** The built-in story of the demo and the sandbox: the five leavers of demoIdentities and the not-started one. */
export function demoStory(now: Date): FakeIdentity[] {
  return [...demoIdentities(now), demoNotStartedLeaver(now)];
}

/** Disables every account of the named identity (the Leaver finally ran). */
export function remediate(identities: FakeIdentity[], name: string): void {
  for (const account of identities.find((i) => i.name === name)?.links ?? []) account.disabled = true;
}
