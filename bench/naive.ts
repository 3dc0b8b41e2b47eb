/**
 * The naive baseline the benchmark compares against: one request at a time, a plain fetch
 * loop over the REST API (list every page, then each identity's links). Reads its settings
 * from the environment, prints `{"requests", "breaches"}` on stdout.
 */
const baseUrl = process.env.NAIVE_BASE_URL ?? '';
const pageSize = Number(process.env.NAIVE_PAGE_SIZE ?? 500);
const nowMs = Date.parse(process.env.NAIVE_NOW ?? new Date().toISOString());
const slaHours: Record<string, number> = JSON.parse(process.env.NAIVE_SLA_HOURS ?? '{"privileged":4,"standard":8}') as Record<
  string,
  number
>;
const headers = { authorization: `Basic ${Buffer.from(`${process.env.IIQ_USERNAME}:${process.env.IIQ_PASSWORD}`).toString('base64')}` };

interface NaiveIdentity {
  name: string;
  attributes: { hrTerminationDate?: string; risk_tier?: string };
}

let requests = 0;
async function get<T>(path: string): Promise<T> {
  requests += 1;
  const response = await fetch(`${baseUrl}${path}`, { headers });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

let breaches = 0;
for (let start = 0; ;) {
  const page = await get<{ count: number; objects: NaiveIdentity[] }>(
    `/rest/identities?filter=${encodeURIComponent('inactive==true')}&start=${start}&limit=${pageSize}`,
  );
  for (const identity of page.objects) {
    const links = await get<{ objects: { disabled?: boolean }[] }>(`/rest/identities/${encodeURIComponent(identity.name)}/links`);
    const terminatedMs = Date.parse(identity.attributes.hrTerminationDate ?? '');
    const sla = slaHours[identity.attributes.risk_tier ?? 'standard'] ?? slaHours.standard ?? 8;
    if (nowMs - terminatedMs > sla * 3_600_000 && links.objects.some((link) => link.disabled === false)) breaches += 1;
  }
  start += page.objects.length;
  if (page.objects.length === 0 || start >= page.count) break;
}
process.stdout.write(`${JSON.stringify({ requests, breaches })}\n`);
