/**
 * The reference client the benchmark sets next to the watchdog's per-identity modes: the same
 * requests (the inactive listing page by page, then one accounts read per identity) through the
 * watchdog's own transport (its dispatcher and dispatchText), at most `concurrency` in flight,
 * each answer parsed as JSON and nothing more: no SLA rules, no state, no log. What it takes over
 * the ideal is what this machine and the fake IIQ cost any client; what the watchdog takes over
 * it is the watchdog's own. Reads its settings from the environment, prints `{"requests"}`.
 */
import pLimit from 'p-limit';
import { createDispatcher } from '../src/http/dispatcher.js';
import { dispatchText } from '../src/http/dispatch-text.js';

const env = process.env;
const base = new URL(env.REFERENCE_BASE_URL ?? '');
const api = env.REFERENCE_API === 'scim' ? 'scim' : 'rest';
const pageSize = Number(env.REFERENCE_PAGE_SIZE ?? 500);
const concurrency = Number(env.REFERENCE_CONCURRENCY ?? 16);
const timeoutMs = 30_000;
const headers = {
  authorization: `Basic ${Buffer.from(`${env.IIQ_USERNAME}:${env.IIQ_PASSWORD}`).toString('base64')}`,
  accept: 'application/json',
};
const dispatcher = createDispatcher({ connections: concurrency, timeoutMs });
const limit = pLimit(concurrency);

let requests = 0;
function get(path: string): Promise<unknown> {
  return limit(async () => {
    requests += 1;
    const answer = await dispatchText(
      dispatcher,
      { origin: base.origin, path: `${base.pathname}${path}`, method: 'GET', headers, body: null },
      timeoutMs,
    );
    if (answer.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${answer.statusCode}`);
    return JSON.parse(answer.text) as unknown;
  });
}

/** One page of the inactive listing: whom to read, and whether the listing goes on. */
async function listPage(received: number): Promise<{ refs: string[]; total: number }> {
  if (api === 'rest') {
    const page = (await get(`/rest/identities?filter=${encodeURIComponent('inactive==true')}&start=${received}&limit=${pageSize}`)) as {
      count: number;
      objects: { name: string }[];
    };
    return { refs: page.objects.map((identity) => identity.name), total: page.count };
  }
  const page = (await get(
    `/scim/v2/Users?filter=${encodeURIComponent('active eq false')}&startIndex=${received + 1}&count=${pageSize}`,
  )) as {
    totalResults: number;
    Resources?: { id: string }[];
  };
  return { refs: (page.Resources ?? []).map((user) => user.id), total: page.totalResults };
}

function readAccounts(ref: string): Promise<unknown> {
  return api === 'rest'
    ? get(`/rest/identities/${encodeURIComponent(ref)}/links`)
    : get(
        `/scim/v2/Accounts?filter=${encodeURIComponent(`identity.value eq ${JSON.stringify(ref)}`)}&attributes=identity,application,active`,
      );
}

// The listing runs ahead of the reads (as the watchdog's next page loads while one is read); the
// readers wait on it, never on a timer.
const queue: string[] = [];
let nextInQueue = 0;
let listingDone = false;
let wakeReaders: (() => void)[] = [];
const wake = (): void => {
  for (const resolve of wakeReaders) resolve();
  wakeReaders = [];
};
const listing = (async () => {
  try {
    for (let received = 0; ;) {
      const { refs, total } = await listPage(received);
      queue.push(...refs);
      wake();
      received += refs.length;
      if (refs.length === 0 || received >= total) return;
    }
  } finally {
    listingDone = true;
    wake();
  }
})();
async function reader(): Promise<void> {
  for (;;) {
    if (nextInQueue < queue.length) await readAccounts(queue[nextInQueue++] as string);
    else if (listingDone) return;
    else await new Promise<void>((resolve) => wakeReaders.push(resolve));
  }
}
await Promise.all([listing, ...Array.from({ length: concurrency }, reader)]);
await dispatcher.close();
process.stdout.write(`${JSON.stringify({ requests })}\n`);
