/**
 * The fake PagerDuty's web page (GET /): what it received, as incidents a person can read —
 * open and resolved, each with its events — plus the requests it rejected. One self-contained
 * HTML page: no script, nothing loaded from elsewhere, every received text escaped. Routing keys
 * are never shown.
 */

/** One received request, as the fake PagerDuty records it (see fake-pagerduty.ts). */
export interface PageEvent {
  receivedAt: number;
  body: any;
  status: number;
}

interface Incident {
  dedupKey: string;
  status: 'open' | 'acknowledged' | 'resolved';
  events: PageEvent[];
  trigger: any;
}

const STATUS_OF: Record<string, Incident['status']> = { trigger: 'open', acknowledge: 'acknowledged', resolve: 'resolved' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Incidents by dedup key from the accepted events, in order of first event; status from the last. */
export function incidentsOf(received: readonly PageEvent[]): Incident[] {
  const byKey = new Map<string, Incident>();
  for (const event of received) {
    const body = event.body;
    if (event.status !== 202 || typeof body !== 'object' || body === null || typeof body.dedup_key !== 'string') continue;
    let incident = byKey.get(body.dedup_key);
    if (!incident) byKey.set(body.dedup_key, (incident = { dedupKey: body.dedup_key, status: 'open', events: [], trigger: undefined }));
    incident.events.push(event);
    incident.status = STATUS_OF[body.event_action] ?? incident.status;
    if (body.event_action === 'trigger') incident.trigger = body;
  }
  return [...byKey.values()];
}

const time = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function eventRows(events: readonly PageEvent[]): string {
  return events
    .map(({ receivedAt, body, status }) => {
      const payload = typeof body === 'object' && body !== null && typeof body.payload === 'object' ? body.payload : undefined;
      return (
        `<tr><td>${escapeHtml(time(receivedAt))}</td><td>${escapeHtml(body?.event_action ?? '')}</td><td>${escapeHtml(status)}</td>` +
        `<td>${escapeHtml(payload?.severity ?? '')}</td><td>${escapeHtml(payload?.summary ?? '')}</td></tr>`
      );
    })
    .join('');
}

function incidentSection(incident: Incident): string {
  const payload = incident.trigger?.payload ?? {};
  const details =
    payload.custom_details === undefined
      ? ''
      : `<details><summary>custom_details</summary><pre>${escapeHtml(JSON.stringify(payload.custom_details, null, 2))}</pre></details>`;
  return (
    `<section class="incident ${incident.status}" data-dedup-key="${escapeHtml(incident.dedupKey)}" data-status="${incident.status}">` +
    `<h3><span class="badge">${incident.status}</span> ${escapeHtml(payload.summary ?? '(no trigger received)')}</h3>` +
    `<p>dedup_key <code>${escapeHtml(incident.dedupKey)}</code> · severity ${escapeHtml(payload.severity ?? '-')} · source ${escapeHtml(payload.source ?? '-')}</p>` +
    details +
    `<table><thead><tr><th>received</th><th>action</th><th>HTTP</th><th>severity</th><th>summary</th></tr></thead><tbody>${eventRows(incident.events)}</tbody></table>` +
    '</section>'
  );
}

/** The whole page. `refreshSeconds` > 0 adds a meta refresh (no script needed). */
export function renderIncidentsPage(received: readonly PageEvent[], options: { refreshSeconds?: number } = {}): string {
  const incidents = incidentsOf(received);
  const open = incidents.filter((i) => i.status !== 'resolved');
  const resolved = incidents.filter((i) => i.status === 'resolved');
  const rejected = received.filter((r) => r.status !== 202);
  const list = (items: Incident[], none: string): string =>
    items.length === 0 ? `<p class="none">${none}</p>` : items.map(incidentSection).join('');
  const rejectedRows = rejected
    .map(({ receivedAt, body, status }) => {
      const what = typeof body === 'object' && body !== null ? `${body.event_action ?? '?'} ${body.dedup_key ?? ''}` : 'not JSON';
      return `<tr><td>${escapeHtml(time(receivedAt))}</td><td>${escapeHtml(status === 0 ? 'no answer' : status)}</td><td>${escapeHtml(what)}</td></tr>`;
    })
    .join('');
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${Math.round(options.refreshSeconds)}">` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
${refresh}<title>Fake PagerDuty: ${open.length} open, ${resolved.length} resolved</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#111}
h1{font-size:1.4rem}h2{margin-top:2rem;border-bottom:1px solid #999}h3{font-size:1rem;margin:.2rem 0}
.incident{border:1px solid #bbb;border-left:6px solid #b00;padding:.5rem .8rem;margin:.8rem 0}
.incident.resolved{border-left-color:#176}.incident.acknowledged{border-left-color:#a60}
.badge{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;padding:0 .3rem;border:1px solid currentColor}
table{border-collapse:collapse;margin-top:.4rem}td,th{border:1px solid #ccc;padding:.15rem .4rem;text-align:left;vertical-align:top}
code,pre{font-size:.85rem}.none{color:#555}
</style></head>
<body>
<h1>Fake PagerDuty (sandbox)</h1>
<p id="totals">${open.length} open, ${resolved.length} resolved; ${received.length} events received, ${rejected.length} rejected.${refresh ? ' This page reloads itself.' : ''}</p>
<h2 id="open">Open incidents (${open.length})</h2>
${list(open, 'No open incident.')}
<h2 id="resolved">Resolved incidents (${resolved.length})</h2>
${list(resolved, 'No resolved incident.')}
<h2 id="rejected">Rejected requests (${rejected.length})</h2>
${rejected.length === 0 ? '<p class="none">None.</p>' : `<table><thead><tr><th>received</th><th>HTTP</th><th>event</th></tr></thead><tbody>${rejectedRows}</tbody></table>`}
</body></html>
`;
}
