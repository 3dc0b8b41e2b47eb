/** A fake identity source and a fake PagerDuty sender for runCycle without HTTP, and the config they run under. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig, type Config } from '../../src/config/config.js';
import type { CycleInput } from '../../src/cycle/cycle-input.js';
import type { PagerDutyEvent } from '../../src/pagerduty/events.js';
import { DRY_RUN, deliverWith } from '../../src/delivery/mode.js';
import type { DeliveryResult, PagerDutySender } from '../../src/pagerduty/sender.js';
import type { Account, Identity, IdentitySource } from '../../src/source/identity-source.js';
import { SourceReadError } from '../../src/source/source-read-error.js';

/** One person in the fake source: the identity as listed and its accounts (`fail` = the read fails). */
export interface FakePerson {
  identity: Identity;
  accounts: Account[] | 'fail' | 'gone';
}

/** A source over `people`, in pages of 2; `failListingAfterPages` makes the listing fail after that many pages. */
export interface FakeSource extends IdentitySource {
  people: FakePerson[];
  failListingAfterPages: number | undefined;
  reads: number;
  requests: number;
}

/** An inactive leaver terminated `terminatedHoursAgo` before `nowMs` (none = no termination attribute). */
export function leaver(
  id: string,
  nowMs: number,
  terminatedHoursAgo: number | undefined,
  attributes: Record<string, unknown> = {},
): Identity {
  return {
    id,
    name: `user-${id}`,
    displayName: `User ${id}`,
    inactive: true,
    attributes: {
      ...(terminatedHoursAgo === undefined ? {} : { hrTerminationDate: new Date(nowMs - terminatedHoursAgo * 3_600_000).toISOString() }),
      ...attributes,
    },
  };
}

export function fakeSource(people: FakePerson[]): FakeSource {
  const source: FakeSource = {
    people,
    failListingAfterPages: undefined,
    reads: 0,
    requests: 0,
    async *listInactiveIdentities() {
      for (let i = 0, page = 0; i < source.people.length; i += 2, page += 1) {
        source.requests += 1;
        if (source.failListingAfterPages !== undefined && page >= source.failListingAfterPages) {
          throw new SourceReadError('fake GET /identities failed: HTTP 500', { classified: 'fake GET /identities: HTTP 500' });
        }
        yield await Promise.resolve(source.people.slice(i, i + 2).map((p) => p.identity));
      }
    },
    fetchAccounts(identity) {
      source.requests += 1;
      source.reads += 1;
      const accounts = source.people.find((p) => p.identity.id === identity.id)?.accounts ?? 'gone';
      if (accounts === 'fail')
        return Promise.reject(new SourceReadError('fake GET /links failed: HTTP 500', { classified: 'fake GET /links: HTTP 500' }));
      return Promise.resolve(accounts === 'gone' ? { kind: 'identity-gone' } : { kind: 'accounts', accounts });
    },
    lookupIdentity(ref) {
      source.requests += 1;
      const person = source.people.find((p) => p.identity.id === ref.id);
      return Promise.resolve(person ? { kind: 'found', identity: person.identity } : { kind: 'gone' });
    },
  };
  return source;
}

/** A sender that accepts every event (or fails each while `failing`), and keeps what it was sent. */
export function fakeSender(): PagerDutySender & { events: PagerDutyEvent[]; failing: boolean } {
  const sender = {
    events: [] as PagerDutyEvent[],
    failing: false,
    send(event: PagerDutyEvent): Promise<DeliveryResult> {
      if (sender.failing) return Promise.resolve({ ok: false, attempts: 1, error: 'HTTP 500' });
      sender.events.push(event);
      return Promise.resolve({ ok: true, attempts: 1 });
    },
  };
  return sender;
}

/** privileged 4 h, standard 8 h (default) from risk_tier and hrTerminationDate; state files in `dir`. */
export function fakeConfig(dir: string, overrides: Record<string, unknown> = {}): Config {
  return parseConfig(
    {
      iiq: { baseUrl: 'https://iiq.example.com/identityiq' },
      leaver: { terminationDateAttribute: 'hrTerminationDate', tierAttribute: 'risk_tier', defaultTier: 'standard' },
      slaHours: { privileged: 4, standard: 8 },
      storm: { threshold: 100 },
      ...overrides,
    },
    { IIQ_USERNAME: 'u', IIQ_PASSWORD: 'p', PAGERDUTY_ROUTING_KEY: 'R'.repeat(32) },
    dir,
    { routingKey: true },
  );
}

/** The input of one cycle at `now`; `sender` undefined = a dry run. */
export function cycleInput(
  config: Config,
  source: FakeSource,
  sender: PagerDutySender | undefined,
  now: Date,
  stdout: string[] = [],
): CycleInput {
  return {
    config,
    source,
    mode: sender ? deliverWith(sender) : DRY_RUN,
    now,
    logger: pino({ level: 'silent' }),
    writeStdout: (text) => void stdout.push(text),
    writeStderr: () => undefined,
    sourceRequestCount: () => source.requests,
    pingHeartbeat: () => Promise.resolve(),
  };
}

/** The state file a cycle wrote. */
export function readStateFile(dir: string): {
  incidents: Record<string, Record<string, unknown>>;
  firstSeenInactive: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(dir, 'watchdog-state.json'), 'utf8')) as never;
}
