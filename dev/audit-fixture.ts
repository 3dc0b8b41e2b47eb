/**
 * A realistic, deterministic audit log (delivery and exception lines) for the report: several weeks,
 * three tiers, a dozen applications, re-sent triggers, open breaches and approved exceptions.
 * Used by the report tests and by `dev/report-screenshot.ts` (docs/report-screenshot.png).
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The instant the sample report is taken at. */
export const SAMPLE_REPORT_NOW = '2026-11-24T12:00:00.000Z';

const TIERS = [
  { tier: 'privileged', slaHours: 4, weight: 2 },
  { tier: 'standard', slaHours: 8, weight: 5 },
  { tier: 'contractor', slaHours: 6, weight: 3 },
] as const;
const APPLICATIONS = [
  'Active Directory',
  'Salesforce',
  'SAP ERP',
  'GitHub',
  'Workday',
  'ServiceNow',
  'AWS IAM',
  'Okta',
  'Slack',
  'Jira',
  'Exchange Online',
  'Payroll',
];
// Connectors that lag behind the others show up more often.
const APPLICATION_WEIGHTS = [9, 4, 6, 3, 2, 2, 3, 2, 1, 1, 2, 1];
const FIRST_NAMES = [
  'ana',
  'ben',
  'chen',
  'dara',
  'eli',
  'fatima',
  'goran',
  'hana',
  'ivo',
  'jun',
  'kofi',
  'lea',
  'mia',
  'nils',
  'omar',
  'pia',
  'raj',
  'sara',
  'tom',
  'uma',
  'vik',
  'wen',
  'yara',
  'zoe',
];

/** A small seeded PRNG (mulberry32): the same seed always gives the same log. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i += 1) {
    r -= weights[i] ?? 0;
    if (r < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Audit lines (JSON objects, in the order a watchdog would have appended them) for `weeks`
 * weeks of leavers ending a few days before SAMPLE_REPORT_NOW. Remediation gets faster over
 * the weeks; breaches of the last days are still open.
 */
export function sampleAuditRecords(weeks = 8, seed = 20261124): Record<string, unknown>[] {
  const rand = random(seed);
  const nowMs = Date.parse(SAMPLE_REPORT_NOW);
  const startMs = Date.parse('2026-09-28T00:00:00.000Z') + (8 - weeks) * 7 * DAY_MS;
  const events: { atMs: number; record: Record<string, unknown> }[] = [];
  let n = 0;
  for (let week = 0; week < weeks; week += 1) {
    const breaches = 9 + Math.floor(rand() * 8);
    for (let b = 0; b < breaches; b += 1) {
      n += 1;
      const { tier, slaHours } = pick(
        rand,
        TIERS,
        TIERS.map((t) => t.weight),
      );
      const name = `${FIRST_NAMES[n % FIRST_NAMES.length]}${String(n).padStart(3, '0')}`;
      const id = `id-${String(n).padStart(4, '0')}`;
      const terminatedMs = startMs + week * 7 * DAY_MS + Math.floor(rand() * 7 * DAY_MS);
      const deadlineMs = terminatedMs + slaHours * HOUR_MS;
      // A 15-minute poll: detected within one or two cycles, now and then after an IIQ outage.
      const detectMinutes = rand() < 0.08 ? 60 + Math.floor(rand() * 240) : 1 + Math.floor(rand() * 29);
      const firstMs = deadlineMs + detectMinutes * MINUTE_MS;
      if (firstMs > nowMs) continue;
      const count = 1 + Math.floor(rand() * 2);
      const applications = [...new Set(Array.from({ length: count }, () => pick(rand, APPLICATIONS, APPLICATION_WEIGHTS)))].sort();
      const improvement = 1 - week / (weeks + 2);
      const remediateMinutes = detectMinutes + Math.floor((30 + rand() * rand() * 2400) * improvement);
      const base = {
        dedup_key: `iiq-leaver-sla-${id}`,
        identity_id: id,
        identity_name: name,
        tier,
        termination_date: iso(terminatedMs),
        sla_hours: slaHours,
        sla_deadline: iso(deadlineMs),
        active_applications: applications,
        active_account_count: applications.length,
      };
      events.push({
        atMs: firstMs,
        record: { sent_at: iso(firstMs), event_action: 'trigger', reason: 'first breach', severity: 'warning', ...base },
      });
      const escalateMs = deadlineMs + slaHours * HOUR_MS;
      const resolveMs = deadlineMs + remediateMinutes * MINUTE_MS;
      if ((escalateMs < resolveMs || nowMs - firstMs < 6 * DAY_MS) && escalateMs <= nowMs && escalateMs > firstMs) {
        events.push({
          atMs: escalateMs,
          record: { sent_at: iso(escalateMs), event_action: 'trigger', reason: 'severity escalated', severity: 'error', ...base },
        });
      }
      // A few recent leavers sit on a connector nobody has fixed yet: still open at the report.
      const stuck = nowMs - firstMs < 6 * DAY_MS && rand() < 0.35;
      if (resolveMs <= nowMs && !stuck) {
        const record = {
          sent_at: iso(resolveMs),
          event_action: 'resolve',
          reason: 'accounts disabled',
          ...base,
          breach_minutes: remediateMinutes,
          open_minutes: remediateMinutes - detectMinutes,
        };
        events.push({ atMs: resolveMs, record });
      }
    }
  }
  for (const exception of SAMPLE_EXCEPTIONS)
    events.push({ atMs: Date.parse(exception.recorded_at), record: { event_action: 'exception', ...exception } });
  return events.sort((a, b) => a.atMs - b.atMs).map((e) => e.record);
}

/** The exception records of the sample log (two expired by SAMPLE_REPORT_NOW, one expiring within days). */
export const SAMPLE_EXCEPTIONS = [
  {
    identity_id: 'id-x001',
    identity_name: 'cfo-interim',
    tier: 'privileged',
    applications: ['SAP ERP', 'Workday'],
    until: '2027-03-31',
    expires_at: '2027-04-01T00:00:00.000Z',
    reason: 'executive kept on as contractor (CHG-1182)',
    approved_by: 'ciso@example.com',
    recorded_at: '2026-10-06T09:15:00.000Z',
  },
  {
    identity_id: 'id-x002',
    identity_name: 'lh-jdoe',
    tier: 'standard',
    applications: ['Exchange Online'],
    until: '2026-12-31',
    expires_at: '2027-01-01T00:00:00.000Z',
    reason: 'legal hold LH-2291',
    approved_by: 'legal@example.com',
    recorded_at: '2026-10-13T10:00:00.000Z',
  },
  {
    identity_id: 'id-x003',
    identity_name: 'lh-msmith',
    tier: 'standard',
    applications: ['Exchange Online', 'Slack'],
    until: '2026-12-31',
    expires_at: '2027-01-01T00:00:00.000Z',
    reason: 'legal hold LH-2291',
    approved_by: 'legal@example.com',
    recorded_at: '2026-10-20T14:30:00.000Z',
  },
  {
    identity_id: 'id-x004',
    identity_name: 'pay-ktaylor',
    tier: 'contractor',
    applications: ['Payroll'],
    until: '2026-10-31',
    expires_at: '2026-11-01T00:00:00.000Z',
    reason: 'final pay run',
    approved_by: 'hr-director@example.com',
    recorded_at: '2026-10-08T08:00:00.000Z',
  },
  {
    identity_id: 'id-x005',
    identity_name: 'mig-rpatel',
    tier: 'contractor',
    applications: ['GitHub'],
    until: '2026-11-30T17:00:00Z',
    expires_at: '2026-11-30T17:00:00.000Z',
    reason: 'repository hand-over to the new owner',
    approved_by: 'cto@example.com',
    recorded_at: '2026-11-17T11:45:00.000Z',
  },
  {
    identity_id: 'id-x006',
    identity_name: 'aud-lchen',
    tier: 'privileged',
    applications: ['AWS IAM'],
    until: '2026-11-15',
    expires_at: '2026-11-16T00:00:00.000Z',
    reason: 'incident forensics (IR-88)',
    approved_by: 'ciso@example.com',
    recorded_at: '2026-11-03T16:20:00.000Z',
  },
];
