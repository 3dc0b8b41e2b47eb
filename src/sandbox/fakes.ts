/**
 * The loopback fakes behind `sandbox`: the fake IdentityIQ (REST and SCIM), the fake
 * ISC when this build has one, and the fake PagerDuty with its incidents page. The fakes sit in
 * this folder (the tests and the demo use them too); they are loaded only when the sandbox
 * starts, so no other command pays for them.
 */
import type { AccountPolicy } from '../sla/account-policy.js';
import type { SlaPolicy } from '../sla/policy.js';
import type { FakeIdentity, FakeLink, FakeResponse, FakeTaskResult } from './fake-iiq.js';
import type { FakeIscIdentity } from './fake-isc-data.js';
import type { LeaverExplanation } from './narrate-leaver.js';
import type { ScenarioIdentity } from './scenario-file.js';
import { SANDBOX_ENV, type FakeEndpoints } from './sandbox-config.js';

/** The fakes as the sandbox runs them. `identities` is live: remediation edits it. */
export interface SandboxFakes extends FakeEndpoints {
  /** The fake PagerDuty's incidents page (GET /). */
  pagerdutyPage: string;
  /** POST here disables every leaver's accounts (`?identity=<id or name>`: one identity's). */
  remediateUrl: string;
  identities: FakeIdentity[];
  close(): Promise<void>;
}

interface RunningFake {
  url: string;
  close(): Promise<void>;
}

interface RunningIsc extends RunningFake {
  identities: FakeIscIdentity[];
}

/** The scenario's identities as the fake IIQ stores them (`unknown` status = IIQ does not say). */
export function toFakeIdentities(scenario: readonly ScenarioIdentity[]): FakeIdentity[] {
  return scenario.map((identity) => ({
    id: identity.id,
    name: identity.name,
    displayName: identity.displayName,
    inactive: identity.inactive,
    attributes: identity.attributes,
    links: identity.accounts.map((account, index): FakeLink => ({
      id: `${identity.id}-account-${index}`,
      application: account.application,
      nativeIdentity: account.nativeIdentity,
      displayName: identity.displayName,
      ...(account.status === 'unknown' ? {} : { disabled: account.status === 'disabled' }),
    })),
  }));
}

/** The built-in story (see scenario.ts): six leavers around `now` (one not started: still active in the source), each with why a first run does or does not page them. */
export async function builtInStory(
  now: Date,
  policy: SlaPolicy,
  accountPolicy: AccountPolicy,
): Promise<{ identities: FakeIdentity[]; explanations: LeaverExplanation[]; taskResults: FakeTaskResult[] }> {
  const [{ demoStory, demoTaskResults }, { asSourceRead, narrateLeaver }] = await Promise.all([
    import('./scenario.js'),
    import('./narrate-leaver.js'),
  ]);
  const identities = demoStory(now);
  const explanations = identities.map((fake) => {
    const { identity, accounts } = asSourceRead(fake);
    return narrateLeaver(identity, accounts, policy, accountPolicy, now.getTime());
  });
  return { identities, explanations, taskResults: demoTaskResults(now) };
}

/** Starts every fake on 127.0.0.1 (free ports) over `identities` (and IIQ task results). */
export async function startSandboxFakes(identities: FakeIdentity[], taskResults: FakeTaskResult[] = []): Promise<SandboxFakes> {
  const [{ startFakeIiq }, { startFakePagerDuty }, { demoRefreshRerun }] = await Promise.all([
    import('./fake-iiq.js'),
    import('./fake-pagerduty.js'),
    import('./scenario.js'),
  ]);
  const started: RunningFake[] = [];
  const closeAll = (): Promise<unknown> => Promise.all(started.map((fake) => fake.close()));
  let isc: RunningIsc | undefined;
  try {
    const iiq = await startFakeIiq({
      identities,
      taskResults,
      username: SANDBOX_ENV.IIQ_USERNAME,
      password: SANDBOX_ENV.IIQ_PASSWORD,
      oauth: { clientId: SANDBOX_ENV.IIQ_CLIENT_ID, clientSecret: SANDBOX_ENV.IIQ_CLIENT_SECRET },
      // With leaver.requestProcessing on, the refresh workflow processes the termination: the leaver starts.
      refreshMakesInactive: true,
      // The control routes share the fake IIQ's port: they change what IIQ reports, as the Leaver would.
      fault: ({ method, path, query }) =>
        path.startsWith('/sandbox/')
          ? control(method, path, query, iiq.identities, isc?.identities, () => {
              // Remediating everyone includes the chain: the refresh re-run, successful this time.
              if (iiq.taskResults.length > 0) iiq.taskResults.push(demoRefreshRerun(new Date()));
            })
          : undefined,
    });
    started.push(iiq);
    const pagerDuty = await startFakePagerDuty({ pageRefreshSeconds: 5 });
    started.push(pagerDuty);
    isc = await startIsc(identities);
    started.push(isc);
    const iiqOrigin = new URL(iiq.url).origin;
    return {
      iiq: iiq.url,
      isc: isc.url,
      pagerduty: pagerDuty.url,
      pagerdutyPage: `${new URL(pagerDuty.url).origin}/`,
      remediateUrl: `${iiqOrigin}/sandbox/remediate`,
      get identities() {
        return iiq.identities;
      },
      close: async () => {
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The fake Identity Security Cloud over the same people (their accounts as ISC holds them). */
async function startIsc(identities: FakeIdentity[]): Promise<RunningIsc> {
  const [{ startFakeIsc }, { toIscIdentities }] = await Promise.all([import('./fake-isc.js'), import('./isc-scenario.js')]);
  return startFakeIsc({
    identities: toIscIdentities(identities),
    clientId: SANDBOX_ENV.ISC_CLIENT_ID,
    clientSecret: SANDBOX_ENV.ISC_CLIENT_SECRET,
    // With leaver.requestProcessing on, processing sees the termination: the leaver starts.
    processedLifecycleState: 'inactive',
  });
}

const jsonReply = (status: number, value: unknown): FakeResponse => ({
  status,
  body: `${JSON.stringify(value)}\n`,
  headers: { 'content-type': 'application/json' },
});

function control(
  method: string,
  path: string,
  query: URLSearchParams,
  identities: FakeIdentity[],
  iscIdentities: FakeIscIdentity[] | undefined,
  rerunRefresh: () => void,
): FakeResponse {
  if (path !== '/sandbox/remediate')
    return jsonReply(404, { error: `no sandbox route ${path}; POST /sandbox/remediate[?identity=<id or name>]` });
  if (method !== 'POST')
    return { ...jsonReply(405, { error: 'use POST' }), headers: { 'content-type': 'application/json', allow: 'POST' } };
  const wanted = query.get('identity');
  const targets = wanted === null ? identities : identities.filter((i) => i.id === wanted || i.name === wanted);
  if (targets.length === 0) return jsonReply(404, { error: `no identity with id or name "${wanted}"` });
  let disabled = 0;
  const names: string[] = [];
  for (const identity of targets) {
    const enabled = identity.links.filter((link) => link.disabled !== true);
    for (const link of enabled) link.disabled = true;
    if (enabled.length > 0) names.push(identity.name);
    disabled += enabled.length;
    // The same Leaver ran for the fake ISC's copy of this person.
    for (const account of iscIdentities?.find((i) => i.id === identity.id)?.accounts ?? []) account.disabled = true;
  }
  if (wanted === null) rerunRefresh();
  return jsonReply(200, { disabledAccounts: disabled, identities: names });
}
